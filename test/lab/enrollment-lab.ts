// The enrollment lab: a netns lab (client / firewall / VM namespaces), a guest sshd in each VM
// namespace (lab-guests.ts), and vcsim running INSIDE the client namespace whose first VMs report
// the guests' addresses. The core runs in child processes in the client namespace
// (test/fixtures/enrollment-runner.ts): the operator's workstation, which reaches vCenter, the
// guests through the firewall, and the public IPs. Each VM has its own BIOS UUID in vCenter and its
// guest presents it as its SMBIOS product UUID, as a real VM's firmware does.
import { randomUUID } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { byteSwappedUuid } from '../../core/enrollment/guest-identity.js';
import { createOutpostCore, type OutpostCore } from '../../core/server/core.js';
import { defaultKdf } from '../../core/vault/passphrase-cipher.js';
import { sshdAvailable } from '../peers/openssh-server.js';
import { spawnAsync, type SpawnResult } from '../spawn-async.js';
import { startVcsim, vcsimUnavailable, type Vcsim } from '../peers/vcsim.js';
import { startLabGuests, type LabGuest } from './lab-guests.js';
import { createLab, labAvailable, type Lab } from './netns-lab.js';

const root = join(import.meta.dirname, '..', '..');
export const GUEST_PASSWORD = 'Guest-Root-Pass-7';
export const DEBIAN = 'debian12_64Guest=Debian GNU/Linux 12 (64-bit)';

export const LAB_PASSPHRASE = 'enrollment lab passphrase';
export const ENROLL_STEPS = ['check-eligibility', 'validate-credentials', 'check-identity', 'check-os', 'record-private-ip', 'allocate-public-ip', 'ensure-nat', 'nat-confirm', 'verify-nat', 'os-actions', 'verify-access', 'record-cmdb', 'inject-guestinfo'];
export const OFFBOARD_STEPS = ['read-enrollment', 'remove-guest-access', 'clear-guestinfo', 'remove-nat', 'nat-confirm', 'verify-nat-gone', 'release-ips', 'close-cmdb'];

/** Why the enrollment lab cannot run here, or null. */
export function enrollmentLabUnavailable(): string | null {
  const l = labAvailable();
  if (!l.ok) return l.why;
  if (!sshdAvailable()) return 'OpenSSH sshd is not installed';
  return vcsimUnavailable();
}

/** The value of call i, or an error with what the runner said. */
export const value = <T>(out: RunnerOutput, i: number): T => {
  const r = out.results[i];
  if (!r?.ok) throw new Error(`call ${i} failed: ${JSON.stringify(r?.error ?? out.stderr.slice(-2000))}`);
  return r.value as T;
};
export const runsOf = (out: RunnerOutput, i: number): RunSummary[] => out.results[i]?.runs ?? [];

/** Reads the store from the test process (root namespace): the SQLite file is shared. */
export async function inspect<T>(dir: string, read: (core: OutpostCore) => T): Promise<T> {
  const core = await createOutpostCore({ dataDir: dir, transport: 'test', kdf: { ...defaultKdf, N: 2 ** 10 }, passphrase: LAB_PASSPHRASE });
  try {
    return await read(core);
  } finally {
    await core.close();
  }
}


export interface EnrollmentLab {
  lab: Lab;
  guests: LabGuest[];
  vcsim: Vcsim;
  /** VM names in creation order (VM i reports guest i's address). */
  vmNames: string[];
  /** The BIOS UUID (config.uuid) of each VM, in creation order; guest i presents VM i's. */
  biosUuids: string[];
  runner: string;
  /**
   * Dispatches calls in a child process in the client namespace; resolves to its parsed JSON line.
   * Asynchronous, so a test can act while a batch runs, and so the vitest worker's event loop turns
   * while the child works (a worker blocked for 60 s misses its RPC reply and fails the run).
   */
  run(dataDir: string, calls: { command: string; input: unknown }[], fault?: string): Promise<RunnerOutput>;
  resume(dataDir: string): Promise<{ states: string[]; runs: RunSummary[]; signal: string | null; stderr: string }>;
  /** The calls that make a fresh data dir ready: site + sync, guest credentials, pools, the firewall. */
  setupCalls(): { command: string; input: unknown }[];
  destroy(): Promise<void>;
}

export interface RunSummary {
  id: string;
  kind: string;
  target: string | null;
  state: string;
  steps: string[];
  error: { code: string; message: string } | null;
  stepMs: Record<string, number>;
}

export interface RunnerResult {
  ok: boolean;
  value?: unknown;
  error?: { code: string; message: string };
  runs?: RunSummary[];
  ms: number;
}

export interface RunnerOutput {
  results: RunnerResult[];
  /** cmdb.changed events the core emitted while the calls ran. */
  cmdbEvents?: { site: string; vmMoref: string; vmName: string; change: string }[];
  maxRssKb: number;
  signal: string | null;
  stderr: string;
}

export async function buildEnrollmentRunner(): Promise<string> {
  const out = join(root, 'dist', 'test', 'enrollment-runner.mjs');
  await build({ entryPoints: [join(root, 'test/fixtures/enrollment-runner.ts')], outfile: out, bundle: true, platform: 'node', format: 'esm', packages: 'external', absWorkingDir: root, logLevel: 'warning' });
  return out;
}

export interface EnrollmentLabOptions {
  /** VMs with a guest each (VM i reports guest i's address). */
  vms: number;
  /**
   * More VMs without a guest of their own: `IP|guestId=Full Name`. IP `guest-N` reports guest N's
   * address (a stale Tools report or an IP conflict: another machine answers there).
   */
  extraVms?: string[];
  dir: string;
  sharedHostKey?: boolean;
  rootKey?: string;
  guestApi?: boolean;
  /** Guests whose SMBIOS UUID shows VMware's older byte order (first three fields swapped). */
  byteSwappedUuid?: number[];
}

export async function createEnrollmentLab(options: EnrollmentLabOptions): Promise<EnrollmentLab> {
  const runner = await buildEnrollmentRunner();
  const lab = createLab(options.vms);
  let vcsim: Vcsim | null = null;
  let guests: LabGuest[] = [];
  const extra = options.extraVms ?? [];
  const biosUuids = Array.from({ length: options.vms + extra.length }, () => randomUUID());
  const productUuids = lab.vms.map((_, i) => (options.byteSwappedUuid?.includes(i) ? byteSwappedUuid(biosUuids[i]!) : biosUuids[i]!).toUpperCase());
  const extraIp = (e: string): string => {
    const ip = e.split('|')[0] ?? '';
    const guest = /^guest-(\d+)$/.exec(ip);
    return guest ? (lab.vms[Number(guest[1])]?.ip ?? '') : ip;
  };
  try {
    guests = await startLabGuests(lab, options.dir, { rootPassword: GUEST_PASSWORD, sharedHostKey: options.sharedHostKey ?? false, productUuids, ...(options.rootKey ? { rootKey: options.rootKey } : {}) });
    vcsim = await startVcsim({
      vms: options.vms + extra.length,
      hosts: 1,
      clusters: 1,
      netns: lab.client,
      // The vSphere guest API answers with the guests' own root password (else enrollment falls back to SSH).
      ...(options.guestApi ? { guestPassword: GUEST_PASSWORD } : {}),
      guestIps: [...lab.vms.map((v) => v.ip), ...extra.map(extraIp)],
      guestUuids: biosUuids,
      guestOs: [...lab.vms.map(() => DEBIAN), ...extra.map((e) => e.split('|')[1] ?? '')],
    });
  } catch (err) {
    for (const g of guests) g.stop();
    lab.destroy();
    throw err;
  }
  const sim = vcsim;
  const vmNames = Array.from({ length: options.vms + (options.extraVms?.length ?? 0) }, (_, i) => `DC0_C0_H0_VM${i}`);
  const env = (fault?: string) => ({ ...process.env, OUTPOST_FAULT: fault ?? '', OUTPOST_ENROLLMENT_RULES: process.env.OUTPOST_ENROLLMENT_RULES ?? '' });
  let seq = 0;
  const callsFile = (dataDir: string, calls: { command: string; input: unknown }[]): string => {
    mkdirSync(dataDir, { recursive: true });
    const file = join(dataDir, `calls-${process.pid}-${seq++}.json`);
    writeFileSync(file, JSON.stringify(calls));
    return file;
  };
  /** Node in the client namespace; a spawn error comes back as the child's stderr, and 180 s ends it. */
  const inClient = (args: string[], childEnv: NodeJS.ProcessEnv): Promise<SpawnResult> =>
    spawnAsync('ip', ['netns', 'exec', lab.client, process.execPath, ...args], { env: childEnv, timeout: 180_000 }).catch((err: Error) => ({ status: null, signal: null, stdout: '', stderr: `spawn error: ${err.message}` }));
  const parse = (stdout: string, stderr: string, signal: string | null): RunnerOutput => {
    const line = stdout.trim().split('\n').at(-1) ?? '';
    if (!line.startsWith('{')) return { results: [], maxRssKb: 0, signal, stderr };
    return { ...(JSON.parse(line) as { results: RunnerResult[]; maxRssKb: number }), signal, stderr };
  };
  return {
    lab,
    guests,
    vcsim: sim,
    vmNames,
    biosUuids,
    runner,
    async run(dataDir, calls, fault) {
      const r = await inClient([runner, dataDir, 'run', callsFile(dataDir, calls)], env(fault));
      // The exit status and a spawn error go with stderr, so a run that ended early says why in the assertion.
      const why = `\n(exit status ${r.status}, signal ${r.signal})\nstdout: ${r.stdout.slice(-1500)}`;
      return parse(r.stdout, r.stderr + why, r.signal);
    },
    async resume(dataDir) {
      const r = await inClient([runner, dataDir, 'resume'], env());
      const line = r.stdout.trim().split('\n').at(-1) ?? '';
      const parsed = line.startsWith('{') ? (JSON.parse(line) as { states: string[]; runs: RunSummary[] }) : { states: [], runs: [] };
      return { ...parsed, signal: r.signal, stderr: r.stderr };
    },
    setupCalls() {
      return [
        { command: 'sites.add', input: { name: 'lab', url: sim.url, username: sim.username, password: sim.password, trustFingerprint: sim.fingerprint } },
        { command: 'inventory.sync', input: { site: 'lab' } },
        { command: 'credentials.add', input: { name: 'guest-root', username: 'root', secret: { type: 'password', password: GUEST_PASSWORD } } },
        { command: 'ipam.pools.add', input: { name: 'pub', cidr: lab.publicNet, kind: 'public', gateway: lab.firewallPublicIp, reserved: [{ start: lab.clientIp, end: lab.clientIp, reason: 'operator workstation' }] } },
        { command: 'ipam.pools.add', input: { name: 'vms', cidr: '10.77.0.0/24', kind: 'private', gateway: '10.77.0.1' } },
        { command: 'firewalls.add', input: { name: 'fw', driver: 'linux-iptables', connection: { type: 'local', netns: lab.firewall }, settings: { publicInterface: lab.firewallPublicIf } } },
      ];
    },
    async destroy() {
      for (const g of guests) g.stop();
      await sim.stop();
      lab.destroy();
    },
  };
}

/** Copies a prepared data dir (core closed: the WAL is checkpointed) so each case starts from the same state. */
export function cloneDataDir(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const f of ['outpost.db', 'outpost.db-wal', 'outpost.db-shm']) if (existsSync(join(from, f))) copyFileSync(join(from, f), join(to, f));
}

/** Puts the firewall and the guests back as the lab made them (between cases that do not offboard). */
export function resetLab(l: EnrollmentLab): void {
  const { lab } = l;
  lab.exec(lab.firewall, ['iptables', '-t', 'nat', '-F']);
  lab.exec(lab.firewall, ['ip', 'addr', 'flush', 'dev', lab.firewallPublicIf]);
  lab.exec(lab.firewall, ['ip', 'addr', 'add', `${lab.firewallPublicIp}/24`, 'dev', lab.firewallPublicIf]);
  for (const g of l.guests) {
    g.exec(['sh', '-c', `rm -f /etc/sudoers.d/outpost-outpost; id -u outpost >/dev/null 2>&1 && userdel -f -r outpost >/dev/null 2>&1; hostname ${g.hostname}; echo ${g.hostname} > /etc/hostname; true`]);
    // A case must start from a guest without the account (a leftover would make the next case pass for the wrong reason).
    if (g.exec(['sh', '-c', 'id -u outpost >/dev/null 2>&1 && echo present || echo absent']).trim() !== 'absent') throw new Error(`could not reset ${g.ns}: account outpost is still there`);
  }
}
