import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKey, sshdAvailable } from '../../test/peers/openssh-server.js';
import { createJumpLab, type JumpLab } from '../../test/lab/jump-lab.js';
import { tempDir } from '../../test/temp-dir.js';
import type { EventName, EventPayload } from '../contract/events.js';
import type { FanoutJob } from '../contract/fanout.js';
import { defaultKdf } from '../vault/passphrase-cipher.js';
import { createOutpostCore, type OutpostCore } from '../server/core.js';
import { resultRow, runFanout } from '../endpoints/fanout-engine.js';
import { SshConnectionPool } from '../ssh/ssh-connection-pool.js';
import { dispatchOrThrow } from '../../test/dispatch-or-throw.js';

const canRun = sshdAvailable() && process.getuid?.() === 0;

describe.skipIf(!canRun)('fan-out through a jump host to targets only it can reach (real sshd peers in a network namespace)', () => {
  let dir: ReturnType<typeof tempDir>;
  let core: OutpostCore;
  let lab: JumpLab;
  let savedHome: string | undefined;
  let key: { privateKey: string; publicKey: string };
  /** The only key the inner jump host (second hop) accepts; the bastion and the targets refuse it. */
  let innerKey: { privateKey: string; publicKey: string };
  const done: EventPayload<'fanout.done'>[] = [];
  /** Row host labels in the order their final result arrived, per job. */
  const finishedOrder = new Map<string, string[]>();

  const call = dispatchOrThrow(() => core);
  const finished = async (jobId: string, nth = 1): Promise<FanoutJob> => {
    await expect.poll(() => done.filter((d) => d.jobId === jobId).length, { timeout: 30_000 }).toBeGreaterThanOrEqual(nth);
    return call<FanoutJob>('fanout.get', { jobId });
  };
  const targetHosts = (): string[] => lab.targets.map((t) => `127.0.0.1:${t.port}`);
  const portOf = (text: string): string => text.split('\n')[0]!.split(' ')[3]!;

  beforeAll(async () => {
    dir = tempDir();
    core = await createOutpostCore({ dataDir: dir.path, transport: 'test', checkOutputs: true, kdf: { ...defaultKdf, N: 2 ** 10 } });
    core.onEvent(<E extends EventName>(event: E, payload: EventPayload<E>) => {
      if (event === 'fanout.done') done.push(payload as EventPayload<'fanout.done'>);
      if (event === 'fanout.result') {
        const p = payload as EventPayload<'fanout.result'>;
        if (p.row.state === 'done') finishedOrder.set(p.jobId, [...(finishedOrder.get(p.jobId) ?? []), p.row.host]);
      }
    });
    key = generateKey(join(dir.path, 'id'));
    const stranger = generateKey(join(dir.path, 'stranger'));
    innerKey = generateKey(join(dir.path, 'inner'));
    lab = await createJumpLab({ dir: dir.path, authorizedKeys: [key.publicKey], targets: 3, innerJump: { authorizedKeys: [innerKey.publicKey] } });
    await call('vault.unlock', { passphrase: 'a long enough passphrase' });
    await call('credentials.add', { name: 'inner-jump', username: 'root', secret: { type: 'private-key', privateKey: innerKey.privateKey } });
    await call('credentials.add', { name: 'lab-root', username: 'root', secret: { type: 'private-key', privateKey: key.privateKey } });
    await call('credentials.add', { name: 'not-on-bastion', username: 'root', secret: { type: 'private-key', privateKey: stranger.privateKey } });
    // The operator's ~/.ssh/config, as the host process reads it.
    savedHome = process.env.HOME;
    process.env.HOME = join(dir.path, 'home');
    mkdirSync(join(dir.path, 'home', '.ssh'), { recursive: true });
    writeFileSync(
      join(dir.path, 'home', '.ssh', 'config'),
      [`Host bastion`, `  HostName 127.0.0.1`, `  Port ${lab.jumpPort}`, `  User root`, ...lab.targets.flatMap((t, i) => [`Host guest-${i}`, `  HostName 127.0.0.1`, `  Port ${t.port}`, `  ProxyJump bastion`])].join('\n') + '\n',
    );
  });
  afterAll(async () => {
    if (savedHome === undefined) delete process.env.HOME;
    else process.env.HOME = savedHome;
    lab?.destroy();
    await core?.close();
    dir?.remove();
  });

  it('without the jump host every target is unreachable; through it: unknown jump key first (fingerprint), trust, then the targets\' keys, trust, and all run over one bastion login', async () => {
    const direct = await call<FanoutJob>('fanout.start', { hosts: targetHosts(), credential: 'lab-root', command: 'true' });
    const directRows = (await finished(direct.id)).rows;
    expect(directRows.map((r) => [r.error?.code, r.jump])).toEqual(lab.targets.map(() => ['UNREACHABLE', null]));

    const jumps = [{ host: '127.0.0.1', port: lab.jumpPort, credential: 'lab-root' }];
    const command = 'echo "$SSH_CONNECTION"; hostname >/dev/null';
    const job = await call<FanoutJob>('fanout.start', { hosts: targetHosts(), jumps, credential: 'lab-root', command, concurrency: 3 });
    const via = `root@127.0.0.1:${lab.jumpPort}`;
    expect(job.rows.map((r) => r.jump)).toEqual([via, via, via]);
    // The jump host is new: each row says so with the bastion's fingerprint; nothing reached a target.
    let rows = (await finished(job.id)).rows;
    for (const r of rows) {
      expect(r.error).toMatchObject({ code: 'HOST_KEY_UNKNOWN', details: { host: '127.0.0.1', port: lab.jumpPort, fingerprint: lab.jumpSshd.fingerprint } });
      expect(r.error!.message).toContain(`Jump host ${via}`);
    }
    for (const t of lab.targets) expect(t.log()).not.toContain('Connection from');

    // Trust the bastion as the UI does (knownHosts.trust), re-run: now the targets' own keys are asked for.
    await call('knownHosts.trust', { host: '127.0.0.1', port: lab.jumpPort, fingerprint: lab.jumpSshd.fingerprint });
    await call('fanout.rerun', { jobId: job.id, hosts: targetHosts() });
    rows = (await finished(job.id, 2)).rows;
    expect(rows.map((r) => (r.error?.details as { fingerprint?: string } | undefined)?.fingerprint)).toEqual(lab.targets.map((t) => t.fingerprint));
    expect(rows.every((r) => r.error?.code === 'HOST_KEY_UNKNOWN' && r.jump === via)).toBe(true);

    for (const t of lab.targets) await call('knownHosts.trust', { host: '127.0.0.1', port: t.port, fingerprint: t.fingerprint });
    const loginsBefore = lab.jumpConnections();
    await call('fanout.rerun', { jobId: job.id, hosts: targetHosts() });
    rows = (await finished(job.id, 3)).rows;
    // Each target saw its connection come from inside the namespace (the jump sshd's forward), on its own port.
    expect(rows.map((r) => [r.exitCode, r.error, portOf(r.stdoutHead)])).toEqual(lab.targets.map((t) => [0, null, String(t.port)]));
    expect(rows.map((r) => r.jump)).toEqual([via, via, via]);
    for (const t of lab.targets) expect(lab.jumpSshd.log()).toContain(`connected to 127.0.0.1 port ${t.port}`);
    // Three targets at concurrency 3 went through ONE connection to the bastion (a forwarded channel each).
    const logins = lab.jumpConnections() - loginsBefore;
    console.log(`fan-out to ${rows.length} targets through one jump host: ${logins} bastion connection(s)`);
    expect(logins).toBe(1);
    const audit = JSON.stringify((await core.services.audit.list({ limit: 200 })).entries.filter((e) => e.action === 'fanout.start'));
    expect(audit).toContain(via);
    expect(audit).not.toContain('PRIVATE KEY');
  });

  it('ssh.fanout (the one-shot command scripts use) takes the same jumps: unreachable directly, through the bastion every host runs over one shared login', async () => {
    const hosts = lab.targets.map((t) => ({ host: '127.0.0.1', port: t.port }));
    type Result = { host: string; exitCode: number | null; stdoutHead: string; error: { code: string; message: string } | null; jump?: string | null };
    const direct = await call<Result[]>('ssh.fanout', { hosts, credential: 'lab-root', command: 'true' });
    expect(direct.map((r) => [r.error?.code, r.jump ?? null])).toEqual(lab.targets.map(() => ['UNREACHABLE', null]));

    const before = lab.jumpConnections();
    const via = `root@127.0.0.1:${lab.jumpPort}`;
    const results = await call<Result[]>('ssh.fanout', { hosts, jumps: [{ host: '127.0.0.1', port: lab.jumpPort, credential: 'lab-root' }], credential: 'lab-root', command: 'echo "$SSH_CONNECTION"', concurrency: 3 });
    expect(results.map((r) => [r.host, r.exitCode, r.error, portOf(r.stdoutHead), r.jump])).toEqual(lab.targets.map((t) => [`127.0.0.1:${t.port}`, 0, null, String(t.port), via]));
    // Shared-bastion pool, as fanout.start: three hosts at concurrency 3, one connection to the jump host.
    expect(lab.jumpConnections() - before).toBe(1);
    const audit = (await core.services.audit.list({ limit: 200 })).entries.filter((e) => e.action === 'ssh.fanout');
    expect(JSON.stringify(audit)).toContain(`"jump":"${via}"`);
    expect(JSON.stringify(audit)).not.toContain('PRIVATE KEY');

    // A hop whose credential the bastion refuses: every host names it, after a single login attempt.
    const refusedBefore = lab.jumpConnections();
    const refused = await call<Result[]>('ssh.fanout', { hosts, jumps: [{ host: '127.0.0.1', port: lab.jumpPort, credential: 'not-on-bastion' }], credential: 'lab-root', command: 'true', concurrency: 1 });
    expect(refused.map((r) => [r.exitCode, r.error?.code])).toEqual(lab.targets.map(() => [null, 'SSH_AUTH']));
    for (const r of refused) expect(r.error!.message).toContain(`Jump host ${via}`);
    expect(lab.jumpConnections() - refusedBefore).toBe(1);
    // The hop schema is fanout.start's: a bad hop, too many hops or an unknown profile is one clear error before anything runs.
    const connectionsBefore = lab.jumpConnections();
    expect(await core.dispatch('ssh.fanout', { hosts, jumps: [{ host: 'bad host', credential: 'lab-root' }], credential: 'lab-root', command: 'true' })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(await core.dispatch('ssh.fanout', { hosts, jumps: Array.from({ length: 9 }, () => ({ host: '127.0.0.1', port: lab.jumpPort, credential: 'lab-root' })), credential: 'lab-root', command: 'true' })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(await core.dispatch('ssh.fanout', { hosts, jumps: [{ host: '127.0.0.1', port: lab.jumpPort, credential: 'nope' }], credential: 'lab-root', command: 'true' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(lab.jumpConnections()).toBe(connectionsBefore);
  });

  it('a two-hop chain where each hop needs its own credential: bastion with lab-root, then the inner jump host with its own key; one credential for both hops is refused by the inner one', async () => {
    const inner = lab.innerJumpSshd!;
    const outer = { host: '127.0.0.1', port: lab.jumpPort, credential: 'lab-root' };
    const innerHop = { host: '127.0.0.1', port: inner.port, credential: 'inner-jump' };
    const via = `root@127.0.0.1:${lab.jumpPort} -> root@127.0.0.1:${inner.port}`;
    // The inner jump host lives in the namespace too: the test process cannot reach it except through the bastion.
    const job = await call<FanoutJob>('fanout.start', { hosts: targetHosts(), jumps: [outer, innerHop], credential: 'lab-root', command: 'echo "$SSH_CONNECTION"', concurrency: 3 });
    expect(job.rows.map((r) => r.jump)).toEqual([via, via, via]);
    let rows = (await finished(job.id)).rows;
    // The bastion is trusted already; the inner hop is new and asked for with its own fingerprint.
    for (const r of rows) {
      expect(r.error).toMatchObject({ code: 'HOST_KEY_UNKNOWN', details: { host: '127.0.0.1', port: inner.port, fingerprint: inner.fingerprint } });
      expect(r.error!.message).toContain(`Jump host root@127.0.0.1:${inner.port}`);
    }
    await call('knownHosts.trust', { host: '127.0.0.1', port: inner.port, fingerprint: inner.fingerprint });
    await call('fanout.rerun', { jobId: job.id, hosts: targetHosts() });
    rows = (await finished(job.id, 2)).rows;
    expect(rows.map((r) => [r.exitCode, r.error, portOf(r.stdoutHead)])).toEqual(lab.targets.map((t) => [0, null, String(t.port)]));
    // The chain was really used: the bastion forwarded to the inner jump host, which forwarded to each target.
    expect(lab.jumpSshd.log()).toContain(`connected to 127.0.0.1 port ${inner.port}`);
    for (const t of lab.targets) expect(inner.log()).toContain(`connected to 127.0.0.1 port ${t.port}`);
    // Each hop logged in with its own key: the inner jump host accepted only the inner key.
    expect(inner.log()).toMatch(/Accepted publickey for root/);

    // One credential for both hops (what a single jump credential gave): the inner jump host refuses it.
    const same = await call<FanoutJob>('fanout.start', { hosts: targetHosts(), jumps: [outer, { ...innerHop, credential: 'lab-root' }], credential: 'lab-root', command: 'true' });
    for (const r of (await finished(same.id)).rows) {
      expect(r.error?.code).toBe('SSH_AUTH');
      expect(r.error?.message).toContain(`Jump host root@127.0.0.1:${inner.port}`);
    }
    // ssh.fanout takes the same two-hop chain.
    const oneShot = await call<{ exitCode: number | null; jump?: string | null }[]>('ssh.fanout', { hosts: lab.targets.map((t) => ({ host: '127.0.0.1', port: t.port })), jumps: [outer, innerHop], credential: 'lab-root', command: 'true' });
    expect(oneShot.map((r) => [r.exitCode, r.jump])).toEqual(lab.targets.map(() => [0, via]));
    // ssh.exec and the Open terminal dialog's terminal.open take the same per-hop profiles: one host, both hops.
    const t0 = lab.targets[0]!;
    const exec = await call<{ exitCode: number; stdout: string }>('ssh.exec', { host: '127.0.0.1', port: t0.port, credential: 'lab-root', jumps: [outer, innerHop], command: 'echo "$SSH_CONNECTION"' });
    expect([exec.exitCode, portOf(exec.stdout)]).toEqual([0, String(t0.port)]);
    const opened = await core.dispatch('terminal.open', { target: { type: 'ssh', host: '127.0.0.1', port: t0.port, credential: 'lab-root', jumps: [outer, innerHop] } });
    expect(opened).toMatchObject({ ok: true, value: { kind: 'ssh', state: 'open' } });
    const id = (opened as { value: { id: number } }).value.id;
    let text = '';
    const viewer = core.services.terminals.attach(id, 0, { data: (c) => (text += Buffer.from(c).toString('utf8')), closed: () => undefined });
    try {
      await call('terminal.write', { id, data: 'echo "port-$(echo $SSH_CONNECTION | cut -d" " -f4)"\r' });
      await expect.poll(() => text, { timeout: 15_000 }).toContain(`port-${t0.port}`);
      viewer.ack(1e9);
    } finally {
      viewer.detach();
      await call('terminal.close', { id });
    }
  });

  it('a jump host that refuses the credentials gives one clear error per row, after a single login attempt', async () => {
    const before = lab.jumpConnections();
    const job = await call<FanoutJob>('fanout.start', { hosts: targetHosts(), jumps: [{ host: '127.0.0.1', port: lab.jumpPort, credential: 'not-on-bastion' }], credential: 'lab-root', command: 'echo never', concurrency: 1 });
    const rows = (await finished(job.id)).rows;
    for (const r of rows) {
      expect(r.error?.code).toBe('SSH_AUTH');
      expect(r.error?.message).toBe(`Jump host root@127.0.0.1:${lab.jumpPort}: root@127.0.0.1:${lab.jumpPort} refused the credentials (private-key). Check the user name and the password or key.`);
    }
    // Not one refused login per target: the bastion was asked once (fail2ban-friendly), the rows share the answer.
    expect(lab.jumpConnections() - before).toBe(1);
    // Neither key travels in a row (what the fanout.result events carry) or the audit.
    const text = JSON.stringify([rows, (await core.services.audit.list({ limit: 200 })).entries]);
    expect(text).not.toContain('PRIVATE KEY');
    expect(text).not.toContain(key.privateKey.split('\n')[1]!);
    // A hop with a profile of its own: resolved at start, and again by a re-run (the job keeps only its name).
    await call('credentials.add', { name: 'bastion-too', username: 'root', secret: { type: 'private-key', privateKey: key.privateKey } });
    const own = await call<FanoutJob>('fanout.start', { hosts: targetHosts().slice(0, 2), jumps: [{ host: '127.0.0.1', port: lab.jumpPort, credential: 'bastion-too' }], credential: 'lab-root', command: 'echo own' });
    expect((await finished(own.id)).rows.map((r) => [r.exitCode, r.stdoutHead])).toEqual([[0, 'own'], [0, 'own']]);
    await call('fanout.rerun', { jobId: own.id, hosts: [targetHosts()[1]] });
    expect((await finished(own.id, 2)).rows.map((r) => [r.exitCode, r.jump])).toEqual([[0, `root@127.0.0.1:${lab.jumpPort}`], [0, `root@127.0.0.1:${lab.jumpPort}`]]);
    // A bad hop is refused by the contract before anything runs.
    const bad = await core.dispatch('fanout.start', { hosts: targetHosts(), jumps: [{ host: 'bad host', credential: 'lab-root' }], credential: 'lab-root', command: 'true' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    const unknownCredential = await core.dispatch('fanout.start', { hosts: targetHosts(), jumps: [{ host: '127.0.0.1', port: lab.jumpPort, credential: 'nope' }], credential: 'lab-root', command: 'true' });
    expect(unknownCredential).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('~/.ssh/config hosts carry their ProxyJump (resolved through the same file) into the job', async () => {
    const job = await call<FanoutJob>('fanout.start', { sshConfigHosts: ['guest-0', 'guest-2'], credential: 'lab-root', command: 'echo "$SSH_CONNECTION"' });
    const via = `root@127.0.0.1:${lab.jumpPort}`;
    expect(job.rows.map((r) => [r.host, r.jump])).toEqual([
      [`127.0.0.1:${lab.targets[0]!.port}`, via],
      [`127.0.0.1:${lab.targets[2]!.port}`, via],
    ]);
    const rows = (await finished(job.id)).rows;
    expect(rows.map((r) => [r.exitCode, portOf(r.stdoutHead)])).toEqual([
      [0, String(lab.targets[0]!.port)],
      [0, String(lab.targets[2]!.port)],
    ]);
    // The same bastion given in the form and as ProxyJump is crossed once.
    const both = await call<FanoutJob>('fanout.start', { sshConfigHosts: ['guest-1'], jumps: [{ host: '127.0.0.1', port: lab.jumpPort, credential: 'lab-root' }], credential: 'lab-root', command: 'echo "$SSH_CONNECTION"' });
    expect(both.rows.map((r) => r.jump)).toEqual([via]);
    expect((await finished(both.id)).rows.map((r) => [r.exitCode, portOf(r.stdoutHead)])).toEqual([[0, String(lab.targets[1]!.port)]]);
    const missing = await core.dispatch('fanout.start', { sshConfigHosts: ['no-such-alias'], credential: 'lab-root', command: 'true' });
    expect(missing).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('a shared jump connection carries at most targetsPerJumpConnection targets; past that another is opened (a wide fan-out is not one bastion process)', async () => {
    const auth = { type: 'private-key' as const, privateKey: key.privateKey };
    const jump = { host: '127.0.0.1', port: lab.jumpPort, user: 'root', auth };
    const hosts = lab.targets.map((t) => ({ target: { host: '127.0.0.1', port: t.port, user: 'root', auth, jumps: [jump] }, label: String(t.port) }));
    const pool = new SshConnectionPool({ hostKeys: core.services.remote.knownHosts, shareJumps: true, targetsPerJumpConnection: 2, idleMs: 1000 });
    const before = lab.jumpConnections();
    try {
      const results = (await runFanout(hosts, 'sleep 0.3; echo ok', { pool, concurrency: 3, timeoutMs: 30_000 })).map((r) => resultRow(r, 5));
      expect(results.map((r) => r.stdoutHead)).toEqual(['ok', 'ok', 'ok']);
    } finally {
      pool.close();
    }
    expect(pool.jumpConnectionsOpened).toBe(2);
    expect(lab.jumpConnections() - before).toBe(2);
  });
});
