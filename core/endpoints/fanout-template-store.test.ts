import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/temp-dir.js';
import { createOutpostCore, type OutpostCore } from '../server/core.js';
import { defaultKdf } from '../vault/passphrase-cipher.js';

describe('fan-out templates (real SQLite store through the contract)', () => {
  let dir: ReturnType<typeof tempDir>;
  let core: OutpostCore;

  beforeEach(async () => {
    dir = tempDir();
    core = await createOutpostCore({ dataDir: dir.path, transport: 'test', checkOutputs: true, kdf: { ...defaultKdf, N: 2 ** 10 }, passphrase: 'templates passphrase' });
    expect((await core.dispatch('credentials.add', { name: 'ops', username: 'root', secret: { type: 'password', password: 'pw-not-kept' } })).ok).toBe(true);
  });
  afterEach(async () => {
    await core.close();
    dir.remove();
  });

  it('saves a run (command, hosts, jumps, credential by name), lists it, replaces it by name and removes it; audited without secrets', async () => {
    const input = { name: 'uptime all', hosts: ['10.0.0.1', '10.0.0.2:2222'], vms: [{ site: 'dc1', vm: 'web1' }], jumps: [{ host: 'bastion', port: 22, credential: 'ops' }], credential: 'ops', command: 'uptime' };
    expect(await core.dispatch('fanout.template.save', input)).toMatchObject({ ok: true, value: { name: 'uptime all', hosts: ['10.0.0.1', '10.0.0.2:2222'], vms: [{ site: 'dc1', vm: 'web1', port: 22 }], jumps: [{ host: 'bastion', port: 22, credential: 'ops' }], credential: 'ops', concurrency: 20, timeoutMs: 60_000 } });
    expect(await core.dispatch('fanout.template.save', { ...input, command: 'uptime -p', concurrency: 5 })).toMatchObject({ ok: true, value: { command: 'uptime -p', concurrency: 5 } });
    const list = await core.dispatch('fanout.template.list', {});
    expect(list).toMatchObject({ ok: true, value: [{ name: 'uptime all', command: 'uptime -p' }] });
    expect(await core.dispatch('fanout.template.remove', { name: 'uptime all' })).toMatchObject({ ok: true, value: { removed: 'uptime all' } });
    expect(await core.dispatch('fanout.template.list', {})).toMatchObject({ ok: true, value: [] });
    const audit = JSON.stringify((await core.services.audit.list({ limit: 50 })).entries.filter((e) => e.action.startsWith('fanout.template')));
    expect(audit).toContain('fanout.template.save');
    expect(audit).toContain('fanout.template.remove');
    expect(audit).not.toContain('pw-not-kept');
  });

  it('refuses a template naming a missing credential, no targets or a bad name, and saves nothing', async () => {
    expect(await core.dispatch('fanout.template.save', { name: 't', hosts: ['h'], credential: 'nobody', command: 'true' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await core.dispatch('fanout.template.save', { name: 't', hosts: ['h'], jumps: [{ host: 'b', credential: 'ghost' }], credential: 'ops', command: 'true' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await core.dispatch('fanout.template.save', { name: 't', credential: 'ops', command: 'true' })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(await core.dispatch('fanout.template.save', { name: '../x', hosts: ['h'], credential: 'ops', command: 'true' })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(await core.dispatch('fanout.template.remove', { name: 'nope' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await core.dispatch('fanout.template.list', {})).toMatchObject({ ok: true, value: [] });
  });
});
