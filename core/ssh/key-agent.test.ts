import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from 'esbuild';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { generateKey, sshdAvailable, startSshd, type Sshd } from '../../test/peers/openssh-server.js';
import { tempDir } from '../../test/temp-dir.js';
import { onPath } from '../exec/on-path.js';
import { RUN_DIR_PREFIX, sweepStaleRunDirs, withKeyInAgent } from './key-agent.js';

const root = join(import.meta.dirname, '..', '..');
const unavailable = !sshdAvailable() ? 'OpenSSH sshd is not installed' : !onPath('ssh-agent') ? 'ssh-agent is not installed' : null;
if (unavailable) console.log(`key-agent tests skipped: ${unavailable}`);

/** Every file under `dir`, recursively (sockets included), with its content when it is a regular file. */
function filesUnder(dir: string): { path: string; text: string }[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((rel) => {
    const path = join(dir, rel);
    return { path, text: statSync(path).isFile() ? readFileSync(path, 'utf8') : '' };
  });
}

const agentAnswers = (socket: string): boolean => spawnSync('ssh-add', ['-l'], { env: { PATH: process.env.PATH, SSH_AUTH_SOCK: socket } }).status !== 2;

describe.skipIf(unavailable !== null)('a private ssh-agent per run: the decrypted key never touches the disk (real ssh-agent, ssh, sshd)', () => {
  let dir: ReturnType<typeof tempDir>;
  let tmp: string;
  let key: { privateKey: string; publicKey: string };
  let sshd: Sshd;

  beforeAll(async () => {
    dir = tempDir('outpost-key-agent-test-');
    tmp = join(dir.path, 'tmp');
    mkdirSync(tmp);
    key = generateKey(join(dir.path, 'id_ed25519'));
    sshd = await startSshd({ dir: dir.path, authorizedKeys: [key.publicKey] });
  });
  afterAll(() => {
    sshd?.stop();
    dir?.remove();
  });

  it('ssh logs in with the agent key; no file in the run folder holds the private key; folder, socket and agent are gone after', async () => {
    const knownHosts = join(dir.path, 'known_hosts');
    writeFileSync(knownHosts, `[127.0.0.1]:${sshd.port} ${readFileSync(`${sshd.hostKeyFile}.pub`, 'utf8')}`);
    let seen: { dir: string; socket: string } | null = null;
    const out = await withKeyInAgent(
      key.privateKey,
      async (run) => {
        seen = { dir: run.dir, socket: run.env.SSH_AUTH_SOCK };
        expect(run.dir.startsWith(join(tmp, `${RUN_DIR_PREFIX}${process.pid}-`))).toBe(true);
        expect(statSync(run.dir).mode & 0o777).toBe(0o700);
        // The only key-ish file is the public half; nothing under the folder holds private key material.
        for (const f of filesUnder(run.dir)) expect(f.text, f.path).not.toMatch(/PRIVATE KEY/);
        expect(readFileSync(run.identityFile, 'utf8').trim().split(' ').slice(0, 2)).toEqual(key.publicKey.split(' ').slice(0, 2));
        return execFileSync(
          'ssh',
          ['-F', 'none', '-p', String(sshd.port), '-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'StrictHostKeyChecking=yes', '-o', `IdentityFile=${run.identityFile}`, '-o', 'IdentitiesOnly=yes', 'root@127.0.0.1', 'echo agent-login-ok'],
          { env: { PATH: process.env.PATH, HOME: dir.path, ...run.env }, encoding: 'utf8', timeout: 15_000 },
        );
      },
      { tmp },
    );
    expect(out.trim()).toBe('agent-login-ok');
    expect(seen).not.toBeNull();
    expect(existsSync(seen!.dir)).toBe(false);
    expect(agentAnswers(seen!.socket)).toBe(false);
  });

  it('a key that needs a passphrase fails with VALIDATION (no prompt, no hang) and leaves nothing behind', async () => {
    const locked = generateKey(join(dir.path, 'locked'), 'ed25519', { passphrase: 'secret words' });
    const before = readdirSync(tmp);
    const started = Date.now();
    await expect(withKeyInAgent(locked.privateKey, async () => 'ran', { tmp })).rejects.toMatchObject({ code: 'VALIDATION' });
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(readdirSync(tmp)).toEqual(before);
  });

  it('a crash (kill -9) mid-run: the agent exits by itself, and the next start sweeps the folder', async () => {
    const runner = join(root, 'dist', 'test', 'key-agent-runner.mjs');
    await build({ entryPoints: [join(root, 'test/fixtures/key-agent-runner.ts')], outfile: runner, bundle: true, platform: 'node', format: 'esm', packages: 'external', absWorkingDir: root, logLevel: 'warning' });
    const child = spawn(process.execPath, [runner, join(dir.path, 'id_ed25519'), tmp], { stdio: ['ignore', 'pipe', 'inherit'] });
    const line = await new Promise<string>((resolve) => createInterface({ input: child.stdout }).once('line', resolve));
    const run = JSON.parse(line) as { dir: string; socket: string };
    expect(agentAnswers(run.socket)).toBe(true);
    // A live run's folder is not swept.
    expect(sweepStaleRunDirs(tmp)).toEqual([]);
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    // ssh-agent checks every 10 s whether its holder (whose stdin was this process's pipe) still lives.
    const deadline = Date.now() + 15_000;
    while (agentAnswers(run.socket) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    expect(agentAnswers(run.socket)).toBe(false);
    expect(existsSync(run.dir)).toBe(true);
    expect(sweepStaleRunDirs(tmp)).toEqual([run.dir]);
    expect(existsSync(run.dir)).toBe(false);
  }, 30_000);
});

describe('sweepStaleRunDirs', () => {
  it('removes folders of dead runs and of the old naming (which held the key file); keeps live runs, other entries and symlinks', () => {
    const dir = tempDir('outpost-sweep-test-');
    try {
      const dead = spawnSync(process.execPath, ['-e', '']).pid;
      const mk = (name: string, files: Record<string, string> = {}): string => {
        const path = join(dir.path, name);
        mkdirSync(path);
        for (const [f, text] of Object.entries(files)) writeFileSync(join(path, f), text);
        return path;
      };
      const legacy = mk('outpost-ansible-Ab12Cd', { id: '-----BEGIN OPENSSH PRIVATE KEY-----\n' });
      const crashed = mk(`outpost-ansible-${dead}-Xy98Zw`, { 'id.pub': 'ssh-ed25519 AAAA' });
      const mine = mk(`outpost-ansible-${process.pid}-Qq11Rr`);
      const live = mk(`outpost-ansible-1-Ll22Mm`); // pid 1 is always alive
      const other = mk('outpost-other-123');
      writeFileSync(join(dir.path, 'outpost-ansible-file'), '');
      symlinkSync(other, join(dir.path, 'outpost-ansible-link'));
      expect(sweepStaleRunDirs(dir.path).sort()).toEqual([crashed, legacy].sort());
      for (const kept of [mine, live, other, join(dir.path, 'outpost-ansible-file'), join(dir.path, 'outpost-ansible-link')]) expect(existsSync(kept), kept).toBe(true);
    } finally {
      dir.remove();
    }
  });
});
