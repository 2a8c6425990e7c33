// Builds Outpost's vcsim launcher (e2e/peers/vcsim/main.go) and runs instances of it for tests and
// benchmarks. The binary is cached under .cache/ by the hash of its source, so it is built once per
// change (~20 s) and reused by every test file. Instances are stopped by their PID, never by name.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { request as httpsRequest } from 'node:https';
import { createInterface } from 'node:readline';

const root = join(import.meta.dirname, '..', '..');
const source = join(root, 'e2e', 'peers', 'vcsim', 'main.go');
const govmomi = '/usr/share/gocode/src/github.com/vmware/govmomi';

/** The JSON line the launcher prints once it serves. */
export interface VcsimInfo {
  url: string;
  username: string;
  password: string;
  certPem: string;
  /** SHA-256 of the certificate, colon hex (the form openssl prints). */
  fingerprint: string;
  pid: number;
  vms: number;
  hosts: number;
  clusters: number;
  datacenters: number;
  createMs: number;
}

export interface VcsimOptions {
  vms?: number;
  hosts?: number;
  clusters?: number;
  datacenters?: number;
  standalone?: number;
  /** Server-side cap on objects per RetrievePropertiesEx page (launcher extension). */
  pageCap?: number;
  /** Keep a port across restarts: "127.0.0.1:PORT". */
  listen?: string;
  certFile?: string;
  keyFile?: string;
  user?: string;
  pass?: string;
  timeoutMs?: number;
  /** Serve POST /outpost/host and /outpost/guest (launcher extension) so a test can play a host's reinstall or sickness, or a guest's new IP. */
  hostControl?: boolean;
  /** Guest IPv4 addresses for VM 0, 1, ... (the enrollment lab points them at its VM namespaces). */
  guestIps?: string[];
  /** guestId=Full Name for VM 0, 1, ... ('' keeps the default). */
  guestOs?: string[];
  /** BIOS UUIDs (config.uuid) for VM 0, 1, ... ('' keeps the simulator's): the enrollment lab's guests present them as their SMBIOS UUID. */
  guestUuids?: string[];
  /** Serve ValidateCredentialsInGuest: this password is accepted for any guest user (stands in for VMware Tools). */
  guestPassword?: string;
  /** Run inside this network namespace (its own 127.0.0.1), so a core in that namespace reaches it. */
  netns?: string;
}

export interface Vcsim extends VcsimInfo {
  stop(): Promise<void>;
}

/** Why vcsim tests cannot run here, or null when Go and govmomi are installed. */
export function vcsimUnavailable(): string | null {
  if (spawnSync('go', ['version'], { stdio: 'ignore' }).status !== 0) return 'Go is not installed (apt-get install golang-go)';
  if (!existsSync(join(govmomi, 'simulator'))) return 'govmomi is not installed (apt-get install golang-github-vmware-govmomi-dev)';
  return null;
}

/** Builds the launcher if its cached binary is missing; returns the binary's path. */
export function buildVcsim(): string {
  const hash = createHash('sha256').update(readFileSync(source)).digest('hex').slice(0, 16);
  const cacheDir = join(root, '.cache');
  const bin = join(cacheDir, `vcsim-${hash}`);
  if (existsSync(bin)) return bin;
  mkdirSync(cacheDir, { recursive: true });
  const tmp = `${bin}.${process.pid}.tmp`;
  const r = spawnSync('go', ['build', '-o', tmp, '.'], {
    cwd: join(root, 'e2e', 'peers', 'vcsim'),
    env: { ...process.env, GOPATH: '/usr/share/gocode', GO111MODULE: 'off', GOCACHE: join(cacheDir, 'go-build') },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`go build of the vcsim launcher failed:\n${r.stderr}`);
  renameSync(tmp, bin); // atomic: parallel test files never run a half-written binary
  return bin;
}

/** Starts one simulator and resolves once it serves. */
export async function startVcsim(options: VcsimOptions = {}): Promise<Vcsim> {
  const bin = buildVcsim();
  const args: string[] = [];
  const flag = (name: string, value: string | number | undefined): void => {
    if (value !== undefined) args.push(`-${name}`, String(value));
  };
  flag('vms', options.vms ?? 10);
  flag('hosts', options.hosts);
  flag('clusters', options.clusters);
  flag('datacenters', options.datacenters);
  flag('standalone', options.standalone);
  flag('page-cap', options.pageCap);
  flag('listen', options.listen);
  flag('cert', options.certFile);
  flag('key', options.keyFile);
  flag('user', options.user);
  flag('pass', options.pass);
  if (options.hostControl) args.push('-host-control');
  if (options.guestIps) flag('guest-ips', options.guestIps.join(','));
  if (options.guestOs) flag('guest-os', options.guestOs.join(';'));
  if (options.guestUuids) flag('guest-uuids', options.guestUuids.join(','));
  flag('guest-password', options.guestPassword);
  // VM folders go to memory: creating thousands of VMs is disk-bound otherwise.
  const tmp = existsSync('/dev/shm') ? '/dev/shm' : undefined;
  const argv = options.netns ? ['ip', 'netns', 'exec', options.netns, bin, ...args] : [bin, ...args];
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...(tmp ? { TMPDIR: tmp } : {}) } });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-4000);
  });
  const info = await new Promise<VcsimInfo>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`vcsim did not start within ${options.timeoutMs ?? 120_000} ms: ${stderr}`));
    }, options.timeoutMs ?? 120_000);
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(line) as VcsimInfo);
      } catch {
        reject(new Error(`vcsim printed something other than its JSON line: ${line}`));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`vcsim exited (${code}) before serving: ${stderr}`));
    });
  });
  return { ...info, stop: () => stopChild(child) };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.pid && process.kill(child.pid, 'SIGKILL'), 8_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    if (child.pid) process.kill(child.pid, 'SIGTERM');
  });
}

/** What the launcher reports after a host change. */
export interface HostControlResult {
  name: string;
  build: string;
  connection: string;
  overallStatus: string;
  alarms: number;
  inMaintenance: boolean;
}

/**
 * Changes a simulated host (needs `hostControl: true`): its build (and version), its connection
 * state, its overall status (red/yellow also fire an alarm). Over the simulator's own TLS certificate.
 */
export function controlHost(
  sim: Pick<VcsimInfo, 'url' | 'certPem'>,
  name: string,
  change: { build?: string; version?: string; connection?: 'connected' | 'disconnected' | 'notResponding'; status?: 'green' | 'yellow' | 'red' | 'gray' },
): Promise<HostControlResult> {
  const url = new URL('/outpost/host', sim.url);
  url.searchParams.set('name', name);
  for (const [k, v] of Object.entries(change)) if (v !== undefined) url.searchParams.set(k, v);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { method: 'POST', ca: sim.certPem }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(body) as HostControlResult) : reject(new Error(`host control ${res.statusCode}: ${body}`))));
    });
    req.once('error', reject);
    req.end();
  });
}

/** Plays VMware Tools reporting a new guest IP for a VM (needs `hostControl: true`). */
export function controlGuestIp(sim: Pick<VcsimInfo, 'url' | 'certPem'>, moref: string, ip: string): Promise<void> {
  const url = new URL('/outpost/guest', sim.url);
  url.searchParams.set('moref', moref);
  url.searchParams.set('ip', ip);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { method: 'POST', ca: sim.certPem }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`guest control ${res.statusCode}: ${body}`))));
    });
    req.once('error', reject);
    req.end();
  });
}

/**
 * Spends a clone ticket as VMware Remote Console does: SessionManager.CloneSession on a session
 * with no cookie. Resolves with the user name of the session the ticket was cloned from; rejects
 * with the fault (InvalidLogin) for a used, revoked or unknown ticket. Over the simulator's own TLS.
 */
export function cloneSession(sim: Pick<VcsimInfo, 'url' | 'certPem'>, ticket: string): Promise<{ userName: string }> {
  const esc = ticket.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const body = `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><CloneSession xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this><cloneTicket>${esc}</cloneTicket></CloneSession></soapenv:Body></soapenv:Envelope>`;
  return new Promise((resolve, reject) => {
    const req = httpsRequest(new URL('/sdk', sim.url), { method: 'POST', ca: sim.certPem, headers: { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: 'urn:vim25/6.5' } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c));
      res.on('end', () => {
        const user = /<userName>([^<]*)<\/userName>/.exec(text);
        if (res.statusCode === 200 && user) resolve({ userName: user[1]! });
        else reject(new Error(`CloneSession ${res.statusCode}: ${/<faultstring>([^<]*)/.exec(text)?.[1] ?? text.slice(0, 200)}`));
      });
    });
    req.once('error', reject);
    req.end(body);
  });
}
