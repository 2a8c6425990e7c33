// kill -9 loop over the store's system-of-record writes, with real peers: NAT add/remove on a
// firewall network namespace (iptables), IPAM allocation and release, and full inventory syncs
// against vcsim. Each round starts the workload in a child process (which first resumes what the
// last one left), kills it with SIGKILL at a random moment, reopens the store the way Outpost
// does (header and quick_check) plus a full integrity_check, and looks for duplicates: a NAT rule
// applied twice, an address allocated twice, an inventory object stored twice, and an IPAM
// allocation the child had reported committed but the store lost. Prints the figures.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { build } from 'esbuild';
import { createLab, labAvailable, startVmServers, type Lab } from '../../test/lab/netns-lab.js';
import { startVcsim, vcsimUnavailable, type Vcsim } from '../../test/peers/vcsim.js';
import { tempDir } from '../../test/temp-dir.js';
import { createOutpostCore } from '../server/core.js';
import { defaultKdf } from '../vault/passphrase-cipher.js';
import { openDatabase, type Db } from './database.js';

const lab = labAvailable();
const noVcsim = vcsimUnavailable();
const why = !lab.ok ? lab.why : noVcsim;
if (why) console.log(`kill -9 loop skipped: ${why}`);

const root = join(import.meta.dirname, '..', '..');
const runner = join(root, 'dist', 'test', 'kill-loop-runner.mjs');
const KILLS = Number(process.env.OUTPOST_KILL_LOOP_KILLS ?? 100);
const VMS = 20;
type Workload = 'nat' | 'ipam' | 'sync';

interface Round {
  signal: NodeJS.Signals | null;
  code: number | null;
  stdout: string[];
  stderr: string;
}

/** One child run: waits for "ready", then SIGKILL after `killAfterMs` (or lets a KILL_LOOP_ONCE run end). */
function round(workload: Workload, dir: string, arg: string, killAfterMs: number | null): Promise<Round> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [runner, workload, dir, arg], {
      env: { ...process.env, KILL_LOOP_ONCE: killAfterMs === null ? '1' : '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stdout: string[] = [];
    let partial = '';
    let stderr = '';
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.on('data', (c: Buffer) => {
      partial += c.toString();
      const lines = partial.split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        stdout.push(line);
        if (line === 'ready' && killAfterMs !== null) setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      }
    });
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      resolve({ signal, code, stdout, stderr });
    });
  });
}

interface Findings {
  corrupt: number;
  duplicates: number;
  lost: number;
}

/** Reopens the store as Outpost does, then a full integrity_check; the workload's own checks. */
function inspect(path: string, workload: Workload, labInfo: Lab, acked: Map<string, string>): Findings & { notes: string[] } {
  const notes: string[] = [];
  let db: Db;
  try {
    db = openDatabase(path);
  } catch (err) {
    return { corrupt: 1, duplicates: 0, lost: 0, notes: [`open: ${(err as Error).message}`] };
  }
  try {
    const integrity = db.pragma('integrity_check', { simple: true });
    const corrupt = integrity === 'ok' ? 0 : 1;
    if (corrupt) notes.push(`integrity_check: ${String(integrity)}`);
    let duplicates = Number(
      db.prepare('SELECT count(*) FROM (SELECT 1 FROM ip_allocations WHERE released_at IS NULL GROUP BY pool_id, address HAVING count(*) > 1)').pluck().get(),
    );
    let lost = 0;
    if (workload === 'ipam') {
      const held = new Set(db.prepare('SELECT owner || \' \' || address FROM ip_allocations').pluck().all().map(String));
      for (const [owner, address] of acked) if (!held.has(`${owner} ${address}`)) lost++;
      // Each allocation and its audit record commit together.
      const allocations = Number(db.prepare('SELECT count(*) FROM ip_allocations').pluck().get());
      const audited = Number(db.prepare("SELECT count(*) FROM audit_log WHERE action = 'ipam.allocate'").pluck().get());
      if (allocations !== audited) notes.push(`allocations ${allocations} vs audit records ${audited}`);
      if (allocations !== audited) lost++;
    }
    if (workload === 'nat') {
      duplicates += Number(db.prepare("SELECT count(*) FROM (SELECT 1 FROM nat_records WHERE state != 'removed' GROUP BY public_ip HAVING count(*) > 1)").pluck().get());
      // On the firewall: each record's rules at most once (one DNAT, one SNAT), one record per public address.
      const rules = labInfo.exec(labInfo.firewall, ['iptables-save', '-t', 'nat']).split('\n').filter((l) => l.includes('outpost:nat:'));
      const perRecord = new Map<string, number>();
      const dnatByAddress = new Map<string, Set<string>>();
      for (const line of rules) {
        const id = /outpost:nat:(\d+)/.exec(line)![1]!;
        perRecord.set(id, (perRecord.get(id) ?? 0) + 1);
        const dnat = /-d (\S+?)(?:\/32)? .*-j DNAT/.exec(line);
        if (dnat) dnatByAddress.set(dnat[1]!, new Set([...(dnatByAddress.get(dnat[1]!) ?? []), id]));
      }
      for (const [id, n] of perRecord) {
        if (n <= 2) continue;
        duplicates++;
        notes.push(`record ${id}: ${n} rules`);
      }
      for (const [address, ids] of dnatByAddress) {
        if (ids.size <= 1) continue;
        duplicates++;
        notes.push(`${address} DNATed by records ${[...ids].join(',')}`);
      }
    }
    if (workload === 'sync') {
      for (const table of ['inv_vms']) {
        duplicates += Number(db.prepare(`SELECT count(*) FROM (SELECT 1 FROM ${table} GROUP BY site_id, moref HAVING count(*) > 1)`).pluck().get());
      }
    }
    return { corrupt, duplicates, lost, notes };
  } finally {
    db.close();
  }
}

describe.skipIf(why !== null)('kill -9 loop: NAT (netns firewall), IPAM allocation, inventory sync (vcsim)', () => {
  let netLab: Lab;
  let vc: Vcsim;
  const dirs = { nat: tempDir(), ipam: tempDir(), sync: tempDir() };

  beforeAll(async () => {
    await build({ entryPoints: [join(root, 'test/fixtures/kill-loop-runner.ts')], outfile: runner, bundle: true, platform: 'node', format: 'esm', packages: 'external', absWorkingDir: root, logLevel: 'warning' });
    netLab = createLab(1);
    await startVmServers(netLab);
    vc = await startVcsim({ vms: VMS, clusters: 1, hosts: 2 });
    const kdf = { ...defaultKdf, N: 2 ** 10 };
    const ok = async (core: Awaited<ReturnType<typeof createOutpostCore>>, command: string, input: unknown) => expect(await core.dispatch(command, input)).toMatchObject({ ok: true });
    const nat = await createOutpostCore({ dataDir: dirs.nat.path, transport: 'test', kdf });
    await ok(nat, 'ipam.pools.add', { name: 'pub', cidr: netLab.publicNet, kind: 'public', gateway: netLab.firewallPublicIp, reserved: [{ start: netLab.clientIp, end: netLab.clientIp, reason: 'test client' }] });
    await ok(nat, 'firewalls.add', { name: 'fw', driver: 'linux-iptables', connection: { type: 'local', netns: netLab.firewall }, settings: { publicInterface: netLab.firewallPublicIf } });
    await nat.close();
    const ipam = await createOutpostCore({ dataDir: dirs.ipam.path, transport: 'test', kdf });
    await ok(ipam, 'ipam.pools.add', { name: 'priv', cidr: '10.200.0.0/16', kind: 'private' });
    await ipam.close();
    const sync = await createOutpostCore({ dataDir: dirs.sync.path, transport: 'test', kdf, passphrase: 'kill loop vault passphrase' });
    await ok(sync, 'sites.add', { name: 'lab', url: vc.url, username: vc.username, password: vc.password, trustFingerprint: vc.fingerprint });
    await sync.close();
  }, 180_000);

  afterAll(async () => {
    netLab?.destroy();
    await vc?.stop();
    for (const d of Object.values(dirs)) d.remove();
  });

  it(`${KILLS} kills: 0 corruptions, 0 duplicates, no committed allocation lost`, async () => {
    const t0 = performance.now();
    const plan: { workload: Workload; arg: string; kills: number; maxDelayMs: number }[] = [
      { workload: 'nat', arg: netLab.vms[0]!.ip, kills: Math.round(KILLS * 0.34), maxDelayMs: 2500 },
      { workload: 'ipam', arg: '', kills: Math.round(KILLS * 0.33), maxDelayMs: 600 },
      { workload: 'sync', arg: '', kills: 0, maxDelayMs: 1500 },
    ];
    plan[2]!.kills = KILLS - plan[0]!.kills - plan[1]!.kills;
    const figures: Record<string, { kills: number; corrupt: number; duplicates: number; lost: number; work: number; notes: string[] }> = {};

    // The three loops run side by side, each on its own store.
    await Promise.all(
      plan.map(async ({ workload, arg, kills, maxDelayMs }) => {
        const f = (figures[workload] = { kills: 0, corrupt: 0, duplicates: 0, lost: 0, work: 0, notes: [] as string[] });
        const acked = new Map<string, string>();
        const path = join(dirs[workload].path, 'outpost.db');
        for (let i = 0; i < kills; i++) {
          const r = await round(workload, dirs[workload].path, arg, Math.floor(Math.random() * maxDelayMs));
          if (r.signal !== 'SIGKILL') {
            f.notes.push(`round ${i} ended ${r.code}/${r.signal}: ${r.stderr.slice(-500)}`);
            break;
          }
          f.kills++;
          for (const line of r.stdout) {
            const ack = /^ack (\S+) (\S+)$/.exec(line);
            if (ack) acked.set(ack[1]!, ack[2]!);
            if (/^(ack|done|synced)/.test(line)) f.work++;
          }
          const found = inspect(path, workload, netLab, acked);
          f.corrupt += found.corrupt;
          f.duplicates += found.duplicates;
          f.lost += found.lost;
          f.notes.push(...found.notes);
        }
        // Last run, not killed: it resumes what the last kill left and stops.
        const last = await round(workload, dirs[workload].path, arg, null);
        if (last.code !== 0) f.notes.push(`final run failed: ${last.stderr.slice(-500)}`);
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    console.log(
      `kill -9 loop: ${Object.entries(figures)
        .map(([w, f]) => `${w}: ${f.kills} kills, ${f.corrupt} corruptions, ${f.duplicates} duplicates, ${f.lost} lost, ${f.work} units of work done`)
        .join('; ')}; ${seconds.toFixed(0)} s`,
    );
    for (const f of Object.values(figures)) expect(f.notes).toEqual([]);
    expect(Object.values(figures).reduce((n, f) => n + f.kills, 0)).toBe(KILLS);
    for (const f of Object.values(figures)) expect({ corrupt: f.corrupt, duplicates: f.duplicates, lost: f.lost }).toEqual({ corrupt: 0, duplicates: 0, lost: 0 });

    // After the last resume the firewall holds exactly the live records' rules, the store the
    // inventory vcsim has.
    const nat = openDatabase(join(dirs.nat.path, 'outpost.db'));
    try {
      const live = nat.prepare("SELECT id FROM nat_records WHERE state = 'active'").pluck().all().map(String);
      expect(nat.prepare("SELECT count(*) FROM nat_records WHERE state IN ('pending', 'removing')").pluck().get()).toBe(0);
      const tags = netLab.exec(netLab.firewall, ['iptables-save', '-t', 'nat']).match(/outpost:nat:\d+/g) ?? [];
      expect(tags.sort()).toEqual(live.flatMap((id) => [`outpost:nat:${id}`, `outpost:nat:${id}`]).sort());
      expect(nat.prepare("SELECT count(*) FROM procedures WHERE state NOT IN ('succeeded')").pluck().get()).toBe(0);
    } finally {
      nat.close();
    }
    const inv = openDatabase(join(dirs.sync.path, 'outpost.db'));
    try {
      expect(inv.prepare('SELECT count(*) FROM inv_vms WHERE removed_at IS NULL').pluck().get()).toBe(VMS);
    } finally {
      inv.close();
    }
  }, 900_000);
});
