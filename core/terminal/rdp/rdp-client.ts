import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { OutpostError } from '../../contract/errors.js';
import { childEnv, DESKTOP_SESSION_NAMES } from '../../exec/child-env.js';
import { findOnPath } from '../../exec/on-path.js';

/** Where and as whom an RDP client logs in; the password never appears here (it goes on the client's stdin). */
export interface RdpLogin {
  host: string;
  port: number;
  user: string;
  domain?: string | undefined;
}

/** FreeRDP's X11 client (3.x first): the one client that reads a password from stdin instead of argv or a file. */
export function freeRdpProgram(envPath?: string): string | null {
  return findOnPath('xfreerdp3', envPath) ?? findOnPath('xfreerdp', envPath);
}

/**
 * xfreerdp's argv. `/from-stdin:force` reads the password from standard input before it connects,
 * so the secret is never in argv (/proc/PID/cmdline, `ps`) nor in a .rdp file. The server's
 * certificate is trusted on first use (xfreerdp keeps it in ~/.config/freerdp and refuses a change).
 * `check` only authenticates (NLA) and exits: 0 when the server took the credential.
 */
export function freeRdpArgs(login: RdpLogin, mode: 'launch' | 'check', title?: string): string[] {
  const host = login.host.includes(':') ? `[${login.host}]` : login.host;
  return [
    `/v:${host}:${login.port}`,
    `/u:${login.user}`,
    ...(login.domain ? [`/d:${login.domain}`] : []),
    '/from-stdin:force',
    '/cert:tofu',
    ...(mode === 'check' ? ['+auth-only'] : ['/dynamic-resolution', '+clipboard', ...(title ? [`/t:${title}`] : [])]),
  ];
}

/** Is anything listening? Checked before a credential is sent so "nothing there" and "refused" are two errors. */
export function probeTcp(host: string, port: number, timeoutMs = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host, port });
    const fail = (why: string): void => {
      sock.destroy();
      reject(new OutpostError('RDP_UNREACHABLE', `Nothing answers RDP at ${host}:${port} (${why}). Is the VM running with Remote Desktop enabled, and does the firewall let you in?`, { host, port }));
    };
    sock.setTimeout(timeoutMs, () => fail('timed out'));
    sock.once('error', (err: NodeJS.ErrnoException) => fail(err.code ?? err.message));
    sock.once('connect', () => {
      sock.destroy();
      resolve();
    });
  });
}

function checkPassword(password: string): void {
  // One line on stdin is the whole handshake; a newline inside would be read as the next prompt's answer.
  if (/[\r\n]/.test(password)) throw new OutpostError('VALIDATION', 'This RDP password holds a line break, which the RDP client cannot read from its input. Change the credential.');
}

function spawnWithPassword(program: string, args: string[], password: string, detached: boolean): ChildProcess {
  checkPassword(password);
  const child = spawn(program, args, {
    env: childEnv({}, { inherit: DESKTOP_SESSION_NAMES }),
    stdio: ['pipe', detached ? 'ignore' : 'pipe', detached ? 'ignore' : 'pipe'],
    detached,
    shell: false,
  });
  child.stdin?.on('error', () => undefined);
  child.stdin?.end(`${password}\n`);
  return child;
}

export interface RdpCheckOptions {
  program: string;
  timeoutMs?: number;
}

/**
 * Logs in with NLA and leaves at once (+auth-only): resolves when the server took the credential;
 * RDP_UNREACHABLE when nothing listens, RDP_AUTH_FAILED when it refused (xfreerdp exits 147 for a
 * wrong password and an unknown user alike; the server's log says which).
 */
export async function checkRdpLogin(login: RdpLogin, password: string, o: RdpCheckOptions): Promise<void> {
  await probeTcp(login.host, login.port);
  const child = spawnWithPassword(o.program, freeRdpArgs(login, 'check'), password, false);
  child.stdout?.resume();
  child.stderr?.resume();
  const code = await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new OutpostError('TIMEOUT', `The RDP login at ${login.host}:${login.port} did not finish within ${Math.round((o.timeoutMs ?? 30_000) / 1000)} s.`));
    }, o.timeoutMs ?? 30_000);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new OutpostError('INTERNAL', `Cannot start ${o.program}: ${err.message}.`));
    });
    child.once('exit', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  if (code !== 0) {
    throw new OutpostError('RDP_AUTH_FAILED', `${login.host}:${login.port} refused the RDP login as ${login.domain ? `${login.domain}\\` : ''}${login.user} (wrong password, unknown user, or the account may not log in remotely).`, { host: login.host, port: login.port, exitCode: code });
  }
}

/** A started RDP client: its pid, and a promise of its exit code. */
export interface RdpSession {
  pid: number;
  exited: Promise<number | null>;
}

/** Starts the RDP client in its own window with the password on its stdin; resolves once it runs. */
export function launchRdp(login: RdpLogin, password: string, o: { program: string; title?: string }): Promise<RdpSession> {
  const child = spawnWithPassword(o.program, freeRdpArgs(login, 'launch', o.title), password, true);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  return new Promise((resolve, reject) => {
    child.once('error', (err) => reject(new OutpostError('INTERNAL', `Cannot start ${o.program}: ${err.message}.`)));
    child.once('spawn', () => resolve({ pid: child.pid!, exited }));
  });
}

export type { ChildProcess };
