import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKey, sshdAvailable, startSshd, type Sshd } from '../../test/peers/openssh-server.js';
import { runOutpost } from '../../test/outpost-binary.js';
import { seedVms } from '../../test/seed-vms.js';
import { tempDir } from '../../test/temp-dir.js';
import { openStore } from '../db/store.js';
import { onPath } from '../exec/on-path.js';
import { createOutpostCore } from '../server/core.js';

const unavailable = !sshdAvailable() ? 'OpenSSH sshd is not installed' : !onPath('ansible-playbook') ? 'ansible-playbook is not installed' : process.getuid?.() !== 0 ? 'not root' : null;
if (unavailable) console.log(`playbook run tests skipped: ${unavailable}`);

interface Run {
  state: string;
  error: string | null;
  hosts: { name: string; target: string; status: string; ok: number; changed: number; failed: number; unreachable: number }[];
}

describe.skipIf(unavailable !== null)('outpost playbook run (built binary, real ansible-playbook against two loopback sshds)', () => {
  let dir: ReturnType<typeof tempDir>;
  let a: Sshd;
  let b: Sshd;
  let db: string;
  let playbook: string;
  let hostsFile: string;
  const env = { OUTPOST_VAULT_PASSPHRASE: 'playbook test vault' };
  const outpost = (...args: string[]) => runOutpost(['--db', db, ...args], { env });
  const audit = async () => (JSON.parse((await outpost('--json', 'audit', 'list')).stdout) as { entries: { action: string; outcome: string; details: unknown }[] }).entries.filter((e) => e.action === 'playbook.run');

  beforeAll(async () => {
    dir = tempDir();
    const keyFile = join(dir.path, 'id_ed25519');
    const key = generateKey(keyFile);
    // a listens on 127.0.0.2: a guest IP of 127.0.0.1 counts as none (guestAddress), any other loopback address is one.
    a = await startSshd({ dir: dir.path, listen: '127.0.0.2', authorizedKeys: [key.publicKey] });
    b = await startSshd({ dir: dir.path, authorizedKeys: [key.publicKey] });
    db = join(dir.path, 'outpost.db');
    const store = await openStore(db);
    await seedVms(store.sql, 2, 'lab');
    // web-00000's guest reports 127.0.0.2: the VM target is sshd `a` (traffic stays on this machine).
    await store.sql.run(`UPDATE inv_vms SET ip_address = '127.0.0.2', ip_addresses = '127.0.0.2' WHERE name = 'web-00000'`);
    await store.close();
    expect((await outpost('credential', 'add', '--name', 'lab-key', '--user', 'root', '--key', keyFile)).code).toBe(0);
    for (const s of [a, b]) expect((await outpost('known-hosts', 'trust', '--host', `${s.host}:${s.port}`, '--fingerprint', s.fingerprint)).code).toBe(0);
    playbook = join(dir.path, 'site.yml');
    // raw needs no Python module transfer; `fail` runs on the controller: quick, and fails on sshd b only.
    writeFileSync(
      playbook,
      `- hosts: all\n  gather_facts: false\n  tasks:\n    - name: say hello\n      raw: echo hello\n    - name: refuse on b\n      fail:\n        msg: b refuses\n      when: ansible_port == ${b.port}\n    - name: after\n      raw: echo after\n`,
    );
    hostsFile = join(dir.path, 'hosts.txt');
    writeFileSync(hostsFile, `# the second node\n127.0.0.1:${b.port}\n`);
  }, 60_000);
  afterAll(() => {
    a?.stop();
    b?.stop();
    dir?.remove();
  });

  it('one failing host: the other is still reported; the run says which failed; output streams live; the audit row counts ok/failed', async () => {
    const r = await outpost('playbook', 'run', '--playbook', playbook, '--site', 'lab', '--vm', 'web-00000', '--port', String(a.port), '--hosts-file', hostsFile, '--credential', 'lab-key');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('TASK [say hello]');
    expect(r.stdout).toContain('b refuses');
    // Live: the task lines came well before the final table.
    const task = r.lines.find((l) => l.text.startsWith('TASK [say hello]'))!;
    const last = r.lines.at(-1)!;
    expect(last.text).toBe(`1/2 hosts ok; failed: 127.0.0.1:${b.port}.`);
    expect(last.at - task.at).toBeGreaterThan(100);
    expect(r.stdout).toMatch(new RegExp(`web-00000 +lab/web-00000 +CHANGED +2 +2 +0 +0`));
    expect(r.stdout).toMatch(new RegExp(`127\\.0\\.0\\.1_${b.port} +127\\.0\\.0\\.1:${b.port} +FAILED +1 +1 +1 +0`));
    const rows = await audit();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.outcome).toBe('failed');
    expect(rows[0]!.details).toMatchObject({ hosts: 2, ok: 1, failed: 1, unreachable: 0, failedHosts: [`127.0.0.1:${b.port}`], credential: 'lab-key' });
  }, 90_000);

  it('--json: the run with per-host results; a host whose key does not match the pinned one is unreachable, the other still runs', async () => {
    // Pin a's key for b's address: ansible's ssh must refuse b (strict checking against Outpost's store only).
    const wrong = join(dir.path, 'outpost-wrong.db');
    const w = (...args: string[]) => runOutpost(['--db', wrong, ...args], { env });
    expect((await w('credential', 'add', '--name', 'lab-key', '--user', 'root', '--key', join(dir.path, 'id_ed25519'))).code).toBe(0);
    expect((await w('known-hosts', 'trust', '--host', `127.0.0.2:${a.port}`, '--fingerprint', a.fingerprint)).code).toBe(0);
    expect((await w('known-hosts', 'trust', '--host', `127.0.0.1:${b.port}`, '--fingerprint', a.fingerprint)).code).toBe(0);
    const both = join(dir.path, 'both.txt');
    writeFileSync(both, `127.0.0.2:${a.port}\n127.0.0.1:${b.port}\n`);
    const r = await w('--json', 'playbook', 'run', '--playbook', playbook, '--hosts-file', both, '--credential', 'lab-key');
    expect(r.code).toBe(1);
    const run = JSON.parse(r.stdout) as Run;
    expect(run.state).toBe('done');
    expect(run.hosts.map((h) => [h.target, h.status])).toEqual([
      [`127.0.0.2:${a.port}`, 'changed'],
      [`127.0.0.1:${b.port}`, 'unreachable'],
    ]);
  }, 90_000);

  it('bad input is one clear error before anything runs: a missing playbook, an unknown credential, an unknown VM, an untrusted host', async () => {
    const before = (await audit()).length;
    const missing = await outpost('playbook', 'run', '--playbook', join(dir.path, 'nope.yml'), '--hosts-file', hostsFile, '--credential', 'lab-key');
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('NOT_FOUND');
    expect(missing.stderr).toContain('nope.yml');
    expect(missing.stdout).toBe('');
    const cred = await outpost('playbook', 'run', '--playbook', playbook, '--hosts-file', hostsFile, '--credential', 'no-such-cred');
    expect(cred.stderr).toContain('NOT_FOUND');
    expect(cred.stderr).toContain('no-such-cred');
    const vm = await outpost('playbook', 'run', '--playbook', playbook, '--site', 'lab', '--vm', 'ghost', '--credential', 'lab-key');
    expect(vm.stderr).toContain('No VM ghost in site lab');
    const pub = await outpost('playbook', 'run', '--playbook', playbook, '--site', 'lab', '--vm', 'web-00000', '--address', 'public', '--credential', 'lab-key');
    expect(pub.stderr).toContain('lab/web-00000 has no public address: it is not enrolled');
    const untrusted = join(dir.path, 'untrusted.txt');
    writeFileSync(untrusted, '127.0.0.1:1\n');
    const key = await outpost('playbook', 'run', '--playbook', playbook, '--hosts-file', untrusted, '--credential', 'lab-key');
    expect(key.stderr).toContain('HOST_KEY_UNKNOWN');
    expect((await audit()).length).toBe(before);
  }, 60_000);

  it('a cancelled run stops ansible-playbook; the hosts it had not finished are not-run, the run is cancelled and keeps its output', async () => {
    const slow = join(dir.path, 'slow.yml');
    writeFileSync(slow, '- hosts: all\n  gather_facts: false\n  tasks:\n    - name: wait\n      raw: sleep 60\n');
    const core = await createOutpostCore({ dataDir: dir.path, dbPath: db, transport: 'host', passphrase: env.OUTPOST_VAULT_PASSPHRASE, checkOutputs: true });
    try {
      const done = new Promise<{ state: string; hosts: { status: string }[] }>((resolve) => core.onEvent((event, payload) => event === 'playbook.done' && resolve(payload as { state: string; hosts: { status: string }[] })));
      const lines: string[] = [];
      core.onEvent((event, payload) => event === 'playbook.output' && lines.push((payload as { line: string }).line));
      const started = await core.dispatch('playbook.run', { playbook: slow, hosts: [`127.0.0.1:${b.port}`], credential: 'lab-key' });
      expect(started.ok).toBe(true);
      const runId = (started as { value: { id: string } }).value.id;
      const t0 = Date.now();
      while (!lines.some((l) => l.startsWith('TASK [wait]')) && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 100));
      expect((await core.dispatch('playbook.cancel', { runId })).ok).toBe(true);
      const run = await done;
      expect(Date.now() - t0).toBeLessThan(30_000);
      expect(run.state).toBe('cancelled');
      expect(run.hosts.map((h) => h.status)).toEqual(['not-run']);
      const got = await core.dispatch('playbook.get', { runId });
      expect(got).toMatchObject({ ok: true, value: { state: 'cancelled' } });
      expect((got as { value: { output: string[] } }).value.output.some((l) => l.startsWith('TASK [wait]'))).toBe(true);
    } finally {
      await core.close();
    }
  }, 60_000);
});
