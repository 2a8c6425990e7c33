import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKey } from '../../test/peers/openssh-server.js';
import { tempDir } from '../../test/temp-dir.js';
import { createOutpostCore, type OutpostCore } from './core.js';

/**
 * knownHosts.import and sshConfig.hosts read only what the operator chose: the text of a file
 * picked in the window's own dialog (or the CLI's --file), or the default ~/.ssh files. A
 * renderer cannot make the core open a path it names.
 */
describe('files the renderer may make the core read', () => {
  let dir: ReturnType<typeof tempDir>;
  let core: OutpostCore;
  let savedHome: string | undefined;
  let publicKey: string;
  beforeEach(async () => {
    dir = tempDir();
    savedHome = process.env.HOME;
    process.env.HOME = join(dir.path, 'home');
    mkdirSync(join(dir.path, 'home', '.ssh'), { recursive: true });
    publicKey = generateKey(join(dir.path, 'key')).publicKey.split(' ').slice(0, 2).join(' ');
    core = await createOutpostCore({ dataDir: join(dir.path, 'data'), transport: 'test', checkOutputs: true });
  });
  afterEach(async () => {
    await core.close();
    if (savedHome === undefined) delete process.env.HOME;
    else process.env.HOME = savedHome;
    dir.remove();
  });

  it('refuses a path named by the caller, for known_hosts and for ssh_config', async () => {
    const elsewhere = join(dir.path, 'not-picked');
    writeFileSync(elsewhere, `somehost ${publicKey}\n`);
    for (const path of ['/etc/shadow', elsewhere]) {
      expect(await core.dispatch('knownHosts.import', { path })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
      expect(await core.dispatch('sshConfig.hosts', { path })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    }
    expect(await core.dispatch('knownHosts.list', {})).toEqual({ ok: true, value: [] });
  });

  it('imports the text of a picked file, or else ~/.ssh/known_hosts; lists ~/.ssh/config hosts', async () => {
    expect(await core.dispatch('knownHosts.import', { text: `picked.example ${publicKey}\n`, fileName: 'known_hosts.bak' })).toMatchObject({ ok: true, value: { imported: 1 } });
    writeFileSync(join(dir.path, 'home', '.ssh', 'known_hosts'), `default.example ${publicKey}\n`);
    expect(await core.dispatch('knownHosts.import', {})).toMatchObject({ ok: true, value: { imported: 1 } });
    expect(await core.dispatch('knownHosts.list', {})).toMatchObject({ ok: true, value: expect.arrayContaining([expect.objectContaining({ host: 'default.example' }), expect.objectContaining({ host: 'picked.example' })]) });
    writeFileSync(join(dir.path, 'home', '.ssh', 'config'), 'Host lab\n  HostName 192.0.2.7\n  User root\n');
    expect(await core.dispatch('sshConfig.hosts', {})).toMatchObject({ ok: true, value: [{ alias: 'lab', hostName: '192.0.2.7', user: 'root' }] });
  });
});
