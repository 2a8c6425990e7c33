// A real RDP server on loopback for tests: FreeRDP's shadow server on a private Xvfb display, with
// NLA against a SAM file built by winpr-hash (see ../shared/LAB.md "RDP"). Test-only: these
// children get the test's environment on purpose (they are peers, not programs Outpost starts).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { freePort } from './openssh-server.js';

export const rdpPeerAvailable = (): boolean => ['/usr/bin/Xvfb', '/usr/bin/freerdp-shadow-cli', '/usr/bin/winpr-hash', '/usr/bin/xfreerdp'].every((p) => existsSync(p));

export interface XDisplay {
  /** ":N" for DISPLAY. */
  display: string;
  stop(): void;
}

/** A private X server (Xvfb picks a free display number and reports it on fd 3). */
export function startXvfb(): Promise<XDisplay> {
  const x: ChildProcess = spawn('/usr/bin/Xvfb', ['-displayfd', '3', '-nolisten', 'tcp', '-screen', '0', '1024x768x24'], { stdio: ['ignore', 'ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let text = '';
    const fd = x.stdio[3] as NodeJS.ReadableStream;
    // Without a limit a stuck Xvfb would surface only as the test hook's timeout, saying nothing.
    const timer = setTimeout(() => {
      x.kill('SIGKILL');
      reject(new Error('Xvfb did not report a display within 15 s'));
    }, 15_000);
    fd.on('data', (c: Buffer) => {
      text += c.toString();
      if (!text.includes('\n')) return;
      clearTimeout(timer);
      resolve({ display: `:${text.trim()}`, stop: () => x.kill('SIGKILL') });
    });
    x.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Xvfb exited (${code})`));
    });
  });
}

export interface RdpServer {
  port: number;
  display: string;
  /** The shadow server's log (says why a login failed). */
  log(): string;
  stop(): void;
}

async function waitForPort(port: number, ms: number): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host: '127.0.0.1', port });
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`RDP server did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Starts the server, once more if the first does not listen within 20 s: a fully loaded CI machine
 * once left a shadow server silent past the test's setup limit. The last failure carries its log.
 */
export async function startRdpServer(o: { dir: string; user: string; password: string }): Promise<RdpServer> {
  try {
    return await startRdpServerOnce(o);
  } catch (first) {
    console.log(`RDP test server: first start failed, trying once more: ${first instanceof Error ? first.message : String(first)}`);
    return startRdpServerOnce(o);
  }
}

async function startRdpServerOnce(o: { dir: string; user: string; password: string }): Promise<RdpServer> {
  const x = await startXvfb();
  const sam = join(o.dir, 'SAM');
  writeFileSync(sam, execFileSync('/usr/bin/winpr-hash', ['-u', o.user, '-p', o.password, '-f', 'sam']));
  const port = await freePort();
  const logFile = join(o.dir, 'rdp-server.log');
  const out = openSync(logFile, 'a');
  const server = spawn('/usr/bin/freerdp-shadow-cli', ['/bind-address:127.0.0.1', `/port:${port}`, '/sec:nla', `/sam-file:${sam}`], {
    env: { ...process.env, HOME: o.dir, DISPLAY: x.display },
    stdio: ['ignore', out, out],
  });
  try {
    // A busy 2-core CI machine has taken more than 10 s to get the shadow server listening.
    await waitForPort(port, 20_000);
  } catch (err) {
    server.kill('SIGKILL');
    x.stop();
    throw new Error(`${err instanceof Error ? err.message : String(err)} (exit ${server.exitCode ?? 'none yet'}); server log:\n${readFileSync(logFile, 'utf8').slice(-2000)}`);
  }
  return {
    port,
    display: x.display,
    log: () => readFileSync(logFile, 'utf8'),
    stop: () => {
      server.kill('SIGKILL');
      x.stop();
    },
  };
}
