import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { join } from 'node:path';
import { freePort, generateKey, sshdAvailable, startSshd, type Sshd } from '../../test/peers/openssh-server.js';
import { tempDir } from '../../test/temp-dir.js';
import type { EventName, EventPayload } from '../contract/events.js';
import type { FanoutJob } from '../contract/fanout.js';
import { defaultKdf } from '../vault/passphrase-cipher.js';
import { createOutpostCore, type OutpostCore } from '../server/core.js';
import { OutpostError } from '../contract/errors.js';
import { FanoutJobs } from './fanout-jobs.js';
import { dispatchOrThrow } from '../../test/dispatch-or-throw.js';

const canRun = sshdAvailable() && process.getuid?.() === 0;

type Seen = { event: 'fanout.result'; payload: EventPayload<'fanout.result'> } | { event: 'fanout.done'; payload: EventPayload<'fanout.done'> };

describe.skipIf(!canRun)('fan-out jobs through the contract against real sshd peers (events per host, cancel, trust and re-run)', () => {
  let dir: ReturnType<typeof tempDir>;
  let core: OutpostCore;
  let key: { privateKey: string; publicKey: string };
  const trusted: Sshd[] = [];
  let stranger: Sshd;
  let onOtherAddress: Sshd;
  let closedPort: number;
  const seen: Seen[] = [];

  const call = dispatchOrThrow(() => core);
  const doneOf = (jobId: string, nth = 1): Promise<EventPayload<'fanout.done'>> =>
    new Promise((resolve) => {
      const check = (): boolean => {
        const all = seen.filter((s): s is Extract<Seen, { event: 'fanout.done' }> => s.event === 'fanout.done' && s.payload.jobId === jobId);
        if (all.length >= nth) {
          resolve(all[nth - 1]!.payload);
          return true;
        }
        return false;
      };
      if (check()) return;
      const off = core.onEvent(() => {
        if (check()) setImmediate(off);
      });
    });

  beforeAll(async () => {
    dir = tempDir();
    core = await createOutpostCore({ dataDir: dir.path, transport: 'test', checkOutputs: true, kdf: { ...defaultKdf, N: 2 ** 10 } });
    core.onEvent(<E extends EventName>(event: E, payload: EventPayload<E>) => {
      if (event === 'fanout.result' || event === 'fanout.done') seen.push({ event, payload } as Seen);
    });
    key = generateKey(join(dir.path, 'id'));
    for (let i = 0; i < 3; i++) trusted.push(await startSshd({ dir: dir.path, authorizedKeys: [key.publicKey] }));
    stranger = await startSshd({ dir: dir.path, authorizedKeys: [key.publicKey] });
    onOtherAddress = await startSshd({ dir: dir.path, authorizedKeys: [key.publicKey], listen: '127.0.0.2', port: await freePort() });
    closedPort = await freePort();
    await call('vault.unlock', { passphrase: 'a long enough passphrase' });
    await call('credentials.add', { name: 'lab-root', username: 'root', secret: { type: 'private-key', privateKey: key.privateKey } });
    for (const s of [...trusted, onOtherAddress]) await call('knownHosts.trust', { host: s.host, port: s.port, fingerprint: s.fingerprint });
  });
  afterAll(async () => {
    for (const s of [...trusted, stranger, onOtherAddress]) s?.stop();
    await core?.close();
    dir?.remove();
  });

  it('reports each host as it finishes (a slow host last), unknown keys with their fingerprint, a closed port as unreachable; trust and re-run fixes the unknown one', async () => {
    const [a, slow, c] = trusted as [Sshd, Sshd, Sshd];
    // One command, different behaviour per sshd (by the port the connection arrived on).
    const command = `p=$(echo "$SSH_CONNECTION" | cut -d" " -f4); [ "$p" = ${slow.port} ] && sleep 2; echo "out-$p"; echo line2; echo "err-$p" >&2; [ "$p" = ${c.port} ] && exit 3; exit 0`;
    const hosts = [`127.0.0.1:${a.port}`, `127.0.0.1:${slow.port}`, `127.0.0.1:${c.port}`, `127.0.0.1:${closedPort}`, `127.0.0.1:${stranger.port}`, `127.0.0.1:${a.port}`];
    const started = await call<FanoutJob>('fanout.start', { hosts, credential: 'lab-root', command, concurrency: 5, timeoutMs: 20_000 });
    // The job id comes back at once, before any host finished; duplicates are run once.
    expect(started.id).toMatch(/^fo-/);
    expect(started.state).toBe('running');
    expect(started.rows.map((r) => r.host)).toEqual(hosts.slice(0, 5));
    expect(started.totals).toMatchObject({ total: 5, ok: 0 });

    // While the slow host still runs, the four others have reported and fanout.get shows them.
    await expect.poll(() => seen.filter((s) => s.event === 'fanout.result' && s.payload.jobId === started.id && s.payload.row.state !== 'running').length, { timeout: 10_000 }).toBe(4);
    const midway = await call<FanoutJob>('fanout.get', { jobId: started.id });
    expect(midway.state).toBe('running');
    expect(midway.rows[1]).toMatchObject({ host: `127.0.0.1:${slow.port}`, state: 'running', exitCode: null });
    expect(seen.some((s) => s.event === 'fanout.done' && s.payload.jobId === started.id)).toBe(false);

    const done = await doneOf(started.id);
    const events = seen.filter((s) => s.payload.jobId === started.id && (s.event === 'fanout.done' || s.payload.row.state !== 'running'));
    // Each host was announced as running before its result (the table shows it live).
    const running = seen.filter((s) => s.event === 'fanout.result' && s.payload.jobId === started.id && s.payload.row.state === 'running').map((s) => (s.event === 'fanout.result' ? s.payload.row.host : ''));
    expect(running.sort()).toEqual(hosts.slice(0, 5).sort());
    // Ordering: the slow host's result is the last result, and fanout.done comes after it.
    expect(events.map((e) => (e.event === 'fanout.result' ? e.payload.row.host : 'done')).slice(-2)).toEqual([`127.0.0.1:${slow.port}`, 'done']);
    expect(done).toMatchObject({ state: 'done', totals: { total: 5, ok: 2, failed: 3, cancelled: 0, pending: 0, running: 0, unknownHostKeys: 1 } });
    expect(done.durationMs).toBeGreaterThanOrEqual(2000);

    const job = await call<FanoutJob>('fanout.get', { jobId: started.id });
    expect(job.state).toBe('done');
    const row = (port: number) => job.rows.find((r) => r.host === `127.0.0.1:${port}`)!;
    expect(row(a.port)).toMatchObject({ state: 'done', exitCode: 0, stdoutHead: `out-${a.port}\nline2`, stderrHead: `err-${a.port}`, error: null });
    expect(row(slow.port).durationMs).toBeGreaterThanOrEqual(2000);
    expect(row(c.port)).toMatchObject({ exitCode: 3, stdoutHead: `out-${c.port}\nline2`, error: null });
    expect(row(closedPort)).toMatchObject({ exitCode: null, error: { code: 'UNREACHABLE' } });
    expect(row(stranger.port)).toMatchObject({ exitCode: null, error: { code: 'HOST_KEY_UNKNOWN', details: { fingerprint: stranger.fingerprint, port: stranger.port } } });
    // No command ran on the host whose key is unknown (it was refused during key exchange).
    expect(stranger.log()).not.toContain('Accepted publickey');

    // Trust and re-run: the operator confirms the fingerprint, only that row runs again.
    await call('knownHosts.trust', { host: '127.0.0.1', port: stranger.port, fingerprint: stranger.fingerprint });
    const again = await call<FanoutJob>('fanout.rerun', { jobId: started.id, hosts: [`127.0.0.1:${stranger.port}`] });
    expect(again.rows.find((r) => r.host === `127.0.0.1:${stranger.port}`)).toMatchObject({ state: 'pending' });
    const done2 = await doneOf(started.id, 2);
    expect(done2.totals).toMatchObject({ ok: 3, failed: 2, unknownHostKeys: 0 });
    expect((await call<FanoutJob>('fanout.get', { jobId: started.id })).rows.find((r) => r.host === `127.0.0.1:${stranger.port}`)).toMatchObject({ exitCode: 0, stdoutHead: `out-${stranger.port}\nline2` });
    expect(await call('fanout.list', {})).toEqual(expect.arrayContaining([expect.objectContaining({ id: started.id, state: 'done' })]));

    // Audited like ssh.fanout: the command text and the credential's name, never the key.
    const audit = (await core.services.audit.list({ limit: 100 })).entries.filter((e) => e.action.startsWith('fanout.') || e.action === 'ssh.fanout');
    expect(audit.map((e) => e.action)).toEqual(expect.arrayContaining(['fanout.start', 'ssh.fanout', 'fanout.rerun']));
    const text = JSON.stringify(audit);
    expect(text).toContain('sleep 2');
    expect(text).toContain('lab-root');
    expect(text).not.toContain('PRIVATE KEY');
  });

  it('cancel ends the running host at once and skips the pending ones', async () => {
    const [a, b, c] = trusted as [Sshd, Sshd, Sshd];
    const hosts = [a, b, c].map((s) => `127.0.0.1:${s.port}`);
    const job = await call<FanoutJob>('fanout.start', { hosts, credential: 'lab-root', command: 'sleep 30; echo never', concurrency: 1, timeoutMs: 60_000 });
    await expect.poll(async () => (await call<FanoutJob>('fanout.get', { jobId: job.id })).rows[0]!.state, { timeout: 10_000 }).toBe('running');
    // Give the command time to start on the first host.
    await expect.poll(() => a.sessionPids().length, { timeout: 10_000 }).toBeGreaterThan(0);
    const t0 = performance.now();
    const summary = await call<{ state: string }>('fanout.cancel', { jobId: job.id });
    expect(summary.state).toBe('running');
    const done = await doneOf(job.id);
    expect(performance.now() - t0).toBeLessThan(3000);
    expect(done).toMatchObject({ state: 'cancelled', totals: { total: 3, ok: 0, cancelled: 3, pending: 0, running: 0 } });
    const rows = (await call<FanoutJob>('fanout.get', { jobId: job.id })).rows;
    expect(rows.map((r) => r.state)).toEqual(['cancelled', 'cancelled', 'cancelled']);
    expect(rows[1]!.error?.message).toBe('Cancelled before it started.');
    // The two pending hosts were never connected to.
    expect(b.log()).not.toContain('sleep 30');
    // (The command itself runs on: OpenSSH refuses the signal request for this root session and keeps a
    // command without a pty running after its channel closes.)
    expect((await core.services.audit.list({ limit: 100 })).entries.some((e) => e.action === 'fanout.cancel')).toBe(true);
    // A finished job cannot be cancelled again (nothing happens).
    expect(await call<{ state: string }>('fanout.cancel', { jobId: job.id })).toMatchObject({ state: 'cancelled' });
    // Cancelled in the same breath as it started: no host runs.
    const quick = await call<FanoutJob>('fanout.start', { hosts, credential: 'lab-root', command: 'echo quick', concurrency: 3 });
    await call('fanout.cancel', { jobId: quick.id });
    expect(await doneOf(quick.id)).toMatchObject({ state: 'cancelled', totals: { ok: 0, cancelled: 3 } });
  });

  it('resolves inventory VMs to their guest IP (a VM without one is a failed row, not a failed job)', async () => {
    // A site and two VM rows as a sync writes them (vcsim guest IPs are not loopback, so the rows are written here).
    const now = new Date().toISOString();
    const site = (await core.sql.get(`INSERT INTO sites (name, url, username, created_at) VALUES ('lab', 'https://vc.invalid/sdk', 'u', ?) RETURNING id`, [now], z.object({ id: z.number() })))!;
    const vm = `INSERT INTO inv_vms (site_id, moref, name, ip_address, ip_addresses, power_state, seen_run, first_seen_at, updated_at) VALUES (?, ?, ?, ?, ?, 'poweredOn', 1, ?, ?)`;
    await core.sql.run(vm, [site.id, 'vm-1', 'web-1', '127.0.0.2', '127.0.0.2', now, now]);
    await core.sql.run(vm, [site.id, 'vm-2', 'no-tools', null, '', now, now]);
    const job = await call<FanoutJob>('fanout.start', { vms: [{ site: 'lab', vm: 'vm-1', port: onOtherAddress.port }, { site: 'lab', vm: 'no-tools' }], credential: 'lab-root', command: 'echo from-vm' });
    expect(job.rows).toEqual([
      expect.objectContaining({ host: `127.0.0.2:${onOtherAddress.port}`, vm: 'lab/web-1', state: 'pending' }),
      expect.objectContaining({ host: 'lab/no-tools', vm: 'lab/no-tools', state: 'done', error: expect.objectContaining({ code: 'VALIDATION' }) }),
    ]);
    const done = await doneOf(job.id);
    expect(done.totals).toMatchObject({ ok: 1, failed: 1 });
    expect((await call<FanoutJob>('fanout.get', { jobId: job.id })).rows[0]).toMatchObject({ exitCode: 0, stdoutHead: 'from-vm' });
  });

  it("reaches an enrolled VM by its public (NAT) address or its private one, as the site's vmAddress setting says", async () => {
    // An enrolled VM: Tools reports 127.0.0.3 (nothing listens there), the CMDB holds its NAT address 127.0.0.1 (sshd).
    const now = new Date().toISOString();
    const site = (await core.sql.get(`SELECT id FROM sites WHERE name = 'lab'`, [], z.object({ id: z.number() })))!;
    await core.sql.run(`INSERT INTO inv_vms (site_id, moref, name, ip_address, ip_addresses, power_state, seen_run, first_seen_at, updated_at) VALUES (?, 'vm-3', 'enrolled', '127.0.0.3', '127.0.0.3', 'poweredOn', 1, ?, ?)`, [site.id, now, now]);
    await core.sql.run(
      `INSERT INTO cmdb_records (site_id, vm_moref, vm_name, private_ip, public_ip, firewall, credential, service_account, enrolled_at, enrolled_by) VALUES (?, 'vm-3', 'enrolled', '127.0.0.3', '127.0.0.1', 'fw', 'lab-root', 'root', ?, 'test')`,
      [site.id, now],
    );
    const port = trusted[0]!.port;
    const run = async () => {
      const job = await call<FanoutJob>('fanout.start', { vms: [{ site: 'lab', vm: 'enrolled', port }], credential: 'lab-root', command: 'echo via-nat' });
      await doneOf(job.id);
      return (await call<FanoutJob>('fanout.get', { jobId: job.id })).rows[0]!;
    };
    // auto: this workstation has no address in the site's private networks (none of its interfaces holds 127.0.0.3): public.
    expect(await run()).toMatchObject({ host: `127.0.0.1:${port}`, exitCode: 0, stdoutHead: 'via-nat' });
    await call('settings.update', { vmAddress: { lab: 'private' } });
    expect(await run()).toMatchObject({ host: `127.0.0.3:${port}`, exitCode: null, error: { code: 'UNREACHABLE' } });
    await call('settings.update', { vmAddress: { lab: 'public' } });
    expect(await run()).toMatchObject({ host: `127.0.0.1:${port}`, exitCode: 0 });
    await call('settings.update', { vmAddress: {} });
  });

  it('keeps a bounded history: the oldest finished jobs are forgotten, a running one never is', async () => {
    const finished: string[] = [];
    const jobs = new FanoutJobs({ hostKeys: core.services.remote.knownHosts, audit: core.services.audit, historyJobs: 2, onResult: () => undefined, onDone: (id) => finished.push(id) });
    const noAddress = { label: 'vm-x', vm: 'lab/vm-x', error: new OutpostError('VALIDATION', 'no guest IP') };
    const auth = { type: 'private-key' as const, privateKey: key.privateKey };
    const start = (command: string, targets: Parameters<FanoutJobs['start']>[0]['targets']) => jobs.start({ targets, credential: 'lab-root', user: 'root', auth, command, concurrency: 2, timeoutMs: 5000 }, 'test');
    const first = await start('one', [noAddress]);
    const running = await start('sleep 2', [{ host: '127.0.0.1', port: trusted[0]!.port, vm: null }]);
    await expect.poll(() => finished.includes(first.id)).toBe(true);
    const third = await start('three', [noAddress]);
    await expect.poll(() => finished.includes(third.id)).toBe(true);
    const fourth = await start('four', [noAddress]);
    await expect.poll(() => finished.includes(fourth.id)).toBe(true);
    // Two kept: the running one and the newest finished one (until the running one ends).
    expect(jobs.list().map((j) => [j.command, j.state])).toEqual([
      ['four', 'done'],
      ['sleep 2', 'running'],
    ]);
    expect(() => jobs.get(first.id)).toThrow(/No fan-out job/);
    expect(jobs.get(fourth.id).rows[0]).toMatchObject({ host: 'vm-x', state: 'done', error: { code: 'VALIDATION' } });
    await expect.poll(() => finished.includes(running.id), { timeout: 10_000 }).toBe(true);
    expect(jobs.get(running.id).rows[0]).toMatchObject({ exitCode: 0, error: null });
    jobs.close();
  });

  it("streams every host's whole output live, keeps it for search, re-runs only the failed hosts, and audits how many succeeded and failed", async () => {
    const [a, b, c] = trusted as [Sshd, Sshd, Sshd];
    const live = new Map<number, string>();
    const ends = new Map<number, number[]>();
    const off = core.onEvent(<E extends EventName>(event: E, payload: EventPayload<E>) => {
      if (event !== 'fanout.output') return;
      for (const ch of (payload as EventPayload<'fanout.output'>).chunks) {
        if (ch.stream !== 'stdout') continue;
        live.set(ch.index, (live.get(ch.index) ?? '') + ch.text);
        ends.set(ch.index, [...(ends.get(ch.index) ?? []), ch.end]);
      }
    });
    // 3000 lines each (far past the table's 20-line head); b fails with exit 4.
    const command = `p=$(echo "$SSH_CONNECTION" | cut -d" " -f4); seq 1 3000 | sed "s/^/line-$p-/"; [ "$p" = ${b.port} ] && { echo "boom-$p" >&2; exit 4; }; exit 0`;
    const hosts = [a, b, c].map((s) => `127.0.0.1:${s.port}`);
    const job = await call<FanoutJob>('fanout.start', { hosts, credential: 'lab-root', command, concurrency: 3, timeoutMs: 20_000 });
    const done = await doneOf(job.id);
    off();
    expect(done.totals, JSON.stringify((await call<FanoutJob>("fanout.get", { jobId: job.id })).rows.map((r) => r.error))).toMatchObject({ total: 3, ok: 2, failed: 1 });
    const expected = (port: number): string => Array.from({ length: 3000 }, (_, i) => `line-${port}-${i + 1}\n`).join('');
    // Live: every byte of every host arrived as events, not just the head.
    for (const [i, s] of [a, b, c].entries()) expect(live.get(i)).toBe(expected(s.port));
    // Each chunk says how far the stream reaches with it in: rising, ending at the stream's whole length.
    for (const [i, s] of [a, b, c].entries()) {
      const e = ends.get(i)!;
      expect(e.every((v, k) => k === 0 || v > e[k - 1]!)).toBe(true);
      expect(e.at(-1)).toBe(Buffer.byteLength(expected(s.port)));
    }
    const rows = (await call<FanoutJob>('fanout.get', { jobId: job.id })).rows;
    expect(rows[0]).toMatchObject({ truncated: true });
    expect(rows[0]!.stdoutHead.split('\n')).toHaveLength(20);

    // Kept and searchable after the run.
    const out = await call<{ stdout: string; stderr: string; droppedBytes: { stdout: number }; endBytes: { stdout: number }; matches: { stream: string; line: number; text: string }[] }>('fanout.output', { jobId: job.id, host: hosts[0], query: `LINE-${a.port}-2999` });
    expect(out.stdout).toBe(expected(a.port));
    expect(out.droppedBytes.stdout).toBe(0);
    expect(out.endBytes.stdout).toBe(Buffer.byteLength(expected(a.port)));
    expect(out.matches).toEqual([{ stream: 'stdout', line: 2999, text: `line-${a.port}-2999` }]);
    expect((await call<{ stderr: string; matches: unknown[] }>('fanout.output', { jobId: job.id, host: hosts[1], query: 'boom' })).matches).toEqual([{ stream: 'stderr', line: 1, text: `boom-${b.port}` }]);

    // The audit row of the run counts ok and failed hosts.
    const audit = (await core.services.audit.list({ limit: 200 })).entries.find((e) => e.action === 'ssh.fanout' && (e.details as { jobId?: string }).jobId === job.id)!;
    expect(audit.target).toBe('3 hosts: 2 ok, 1 failed');
    expect(audit.details).toMatchObject({ hosts: 3, ok: 2, failed: 1 });

    // Re-run failed: only b runs again.
    const again = await call<FanoutJob>('fanout.rerun', { jobId: job.id, failed: true });
    expect(again.rows.map((r) => r.state)).toEqual(['done', 'pending', 'done']);
    expect((await doneOf(job.id, 2)).totals).toMatchObject({ ok: 2, failed: 1 });
    expect((await core.dispatch('fanout.rerun', { jobId: job.id })) as unknown).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
  });

  it('refuses bad input with one clear error and starts nothing', async () => {
    const before = (await call<unknown[]>('fanout.list', {})).length;
    const bad = async (input: unknown) => {
      const r = await core.dispatch('fanout.start', input);
      return r.ok ? 'ok' : r.error.code;
    };
    expect(await bad({ hosts: [], credential: 'lab-root', command: 'true' })).toBe('VALIDATION');
    expect(await bad({ hosts: ['a b'], credential: 'lab-root', command: 'true' })).toBe('VALIDATION');
    expect(await bad({ hosts: ['h:70000'], credential: 'lab-root', command: 'true' })).toBe('VALIDATION');
    expect(await bad({ hosts: ['h'], credential: 'lab-root', command: 'true', concurrency: 201 })).toBe('VALIDATION');
    expect(await bad({ hosts: ['h'], credential: 'lab-root', command: 'true', concurrency: 0 })).toBe('VALIDATION');
    expect(await bad({ hosts: ['h'], credential: 'nobody', command: 'true' })).toBe('NOT_FOUND');
    expect(await bad({ vms: [{ site: 'nowhere', vm: 'x' }], credential: 'lab-root', command: 'true' })).toBe('NOT_FOUND');
    expect((await core.dispatch('fanout.get', { jobId: 'fo-000000' })) as unknown).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect((await core.dispatch('fanout.cancel', { jobId: 'nope' })) as unknown).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect((await call<unknown[]>('fanout.list', {})).length).toBe(before);
  });
});
