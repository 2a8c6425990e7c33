// A throwaway OpenSSH sshd for tests: its own config, host key, authorized keys and pid file in a
// temp folder, listening on a loopback (or test-veth) address. Never the system sshd config.
// Killed by PID in stop().
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, startOnFreePort } from './free-port.js';

export interface SshdOptions {
  dir: string;
  listen?: string;
  port?: number;
  authorizedKeys?: string[];
  /** Existing host key file to reuse (to simulate a stable host); generated otherwise. */
  hostKeyFile?: string;
  /** Extra sshd_config lines. */
  extra?: string[];
  /** Run as `ip netns exec NS sshd ...` (the firewall-namespace test). */
  netns?: string;
}

export interface Sshd {
  port: number;
  host: string;
  hostKeyFile: string;
  /** `ssh-keygen -lf` of the host public key: "SHA256:..." */
  fingerprint: string;
  /** Everything sshd wrote with -e (LogLevel VERBOSE). */
  log(): string;
  /** PIDs of this sshd's per-connection children (to cut connections in tests). */
  sessionPids(): number[];
  stop(): void;
}

export const sshdAvailable = (): boolean => existsSync('/usr/sbin/sshd') && existsSync('/usr/bin/ssh-keygen');

export { freePort };

export function generateKey(file: string, type: 'ed25519' | 'rsa' | 'ecdsa' = 'ed25519', options: { passphrase?: string; pem?: boolean } = {}): { privateKey: string; publicKey: string } {
  const args = ['-q', '-t', type, '-N', options.passphrase ?? '', '-f', file, '-C', 'outpost-test'];
  if (type === 'rsa') args.push('-b', '2048');
  if (options.pem) args.push('-m', 'PEM');
  execFileSync('ssh-keygen', args);
  return { privateKey: readFileSync(file, 'utf8'), publicKey: readFileSync(`${file}.pub`, 'utf8').trim() };
}

export function fingerprintOf(pubFile: string): string {
  return execFileSync('ssh-keygen', ['-lf', pubFile], { encoding: 'utf8' }).split(' ')[1]!;
}

/**
 * Starts sshd on `o.port`, or on a free port. A free port is only free when it is asked for: another
 * test file's server can take it before sshd binds, so a bind refused then is tried again on another.
 */
export async function startSshd(o: SshdOptions): Promise<Sshd> {
  if (o.port !== undefined) return startSshdOn(o, o.port);
  return await startOnFreePort(
    (port) => startSshdOn(o, port),
    (err) => err instanceof Error && err.message.includes('Address already in use'),
  );
}

async function startSshdOn(o: SshdOptions, port: number): Promise<Sshd> {
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const host = o.listen ?? '127.0.0.1';
  const hostKeyFile = o.hostKeyFile ?? join(o.dir, `host_ed25519_${port}`);
  if (!existsSync(hostKeyFile)) generateKey(hostKeyFile);
  const authorized = join(o.dir, `authorized_keys_${port}`);
  writeFileSync(authorized, (o.authorizedKeys ?? []).join('\n') + '\n', { mode: 0o600 });
  const pidFile = join(o.dir, `sshd_${port}.pid`);
  const config = join(o.dir, `sshd_config_${port}`);
  writeFileSync(
    config,
    [
      // sshd keeps the first value of an option: extra lines come first so they override the defaults below.
      ...(o.extra ?? []),
      `ListenAddress ${host}`,
      `Port ${port}`,
      `HostKey ${hostKeyFile}`,
      `PidFile ${pidFile}`,
      `AuthorizedKeysFile ${authorized}`,
      'UsePAM no',
      'StrictModes no',
      'PermitRootLogin yes',
      'PasswordAuthentication yes',
      'KbdInteractiveAuthentication no',
      'AllowTcpForwarding yes',
      'LogLevel VERBOSE',
      'MaxStartups 200',
      'MaxSessions 20',
      'Subsystem sftp internal-sftp',
    ].join('\n') + '\n',
  );
  const argv = ['/usr/sbin/sshd', '-D', '-e', '-f', config];
  const child: ChildProcess = o.netns ? spawn('ip', ['netns', 'exec', o.netns, ...argv], { stdio: ['ignore', 'ignore', 'pipe'] }) : spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (c: Buffer) => (log += c.toString()));
  const deadline = Date.now() + 5000;
  while (!log.includes('Server listening on')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`sshd did not start on ${host}:${port}: ${log.trim().split('\n').slice(-3).join(' | ')}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    port,
    host,
    hostKeyFile,
    fingerprint: fingerprintOf(`${hostKeyFile}.pub`),
    log: () => log,
    sessionPids() {
      const listener = Number(readFileSync(pidFile, 'utf8').trim());
      let out = '';
      try {
        out = execFileSync('ps', ['-o', 'pid=', '--ppid', String(listener)], { encoding: 'utf8' });
      } catch {
        // ps exits 1 when there are none
      }
      return out.split('\n').map((l) => Number(l.trim())).filter((n) => n > 0);
    },
    stop() {
      // By PID: sshd's own pid file (its child's pid when run through ip netns exec, which execs).
      let pid = child.pid;
      try {
        pid = Number(readFileSync(pidFile, 'utf8').trim()) || pid;
      } catch {
        // not written yet
      }
      if (pid) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      child.kill('SIGKILL');
    },
  };
}

/**
 * A throwaway local account with a password, for password authentication against the real sshd
 * (UsePAM no reads /etc/shadow). Created per test file, removed in its teardown.
 */
export function createTestUser(name: string, password: string): { name: string; remove(): void } {
  if (!/^outpost-t[a-z0-9-]{1,20}$/.test(name)) throw new Error('test user names start with outpost-t');
  execFileSync('useradd', ['-M', '-d', '/tmp', '-s', '/bin/sh', name]);
  execFileSync('chpasswd', [], { input: `${name}:${password}\n` });
  return {
    name,
    remove: () => {
      try {
        execFileSync('userdel', [name], { stdio: 'ignore' });
      } catch {
        // already gone
      }
    },
  };
}
