import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

// A private PostgreSQL 15 cluster for team-mode tests (LAB.md "PostgreSQL"): initdb in a temp
// dir, loopback only, its own port, password auth over TCP, stopped by PID. It can be stopped
// and started again on the same port and data (the TEAM_OFFLINE tests), and can serve TLS with a
// CA of its own.

const BIN = '/usr/lib/postgresql/15/bin';
const asPostgres = ['--reuid=postgres', '--regid=postgres', '--clear-groups', '--'];

export interface TeamPostgres {
  port: number;
  password: string;
  /** postgres://postgres@127.0.0.1:PORT/DB (no password). */
  url(db: string): string;
  createDatabase(name: string): Promise<void>;
  /** The CA that signed the server certificate (with `tls`). */
  caPem: string | null;
  dir: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and removes its files. */
  destroy(): Promise<void>;
}

async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

function makeCerts(dir: string): { ca: string; cert: string; key: string } {
  const run = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  // EC keys: made in milliseconds, where RSA takes seconds on a busy machine.
  run('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Outpost test team CA');
  run('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'ext.cnf');
  return { ca: join(dir, 'ca.pem'), cert: join(dir, 'server.pem'), key: join(dir, 'server.key') };
}

/** A CA that signed nothing this server shows (an untrusted issuer for the TLS tests). */
export function unrelatedCaPem(): string {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-ca-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'k'), '-out', join(dir, 'c'), '-days', '2', '-subj', '/CN=Unrelated CA'], { stdio: 'ignore' });
    return readFileSync(join(dir, 'c'), 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function startTeamPostgres(options: { tls?: boolean } = {}): Promise<TeamPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-pg-'));
  chmodSync(dir, 0o755);
  const password = `pw-${Math.random().toString(36).slice(2)}`;
  const pwfile = join(dir, 'pw');
  writeFileSync(pwfile, password, { mode: 0o600 });
  chownSync(dir, uid(), gid());
  chownSync(pwfile, uid(), gid());
  execFileSync('setpriv', [...asPostgres, `${BIN}/initdb`, '-D', join(dir, 'data'), '-U', 'postgres', `--pwfile=${pwfile}`, '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C.UTF-8', '-N'], { stdio: 'ignore' });
  const extra: string[] = [];
  let caPem: string | null = null;
  if (options.tls) {
    const certs = makeCerts(dir);
    for (const [from, to] of [[certs.cert, 'server.crt'], [certs.key, 'server.key']] as const) {
      const dest = join(dir, 'data', to);
      copyFileSync(from, dest);
      chmodSync(dest, 0o600);
      chownSync(dest, uid(), gid());
    }
    caPem = readFileSync(certs.ca, 'utf8');
    extra.push('-c', 'ssl=on');
  }
  const port = await freePort();
  let child: ChildProcess | null = null;
  const start = async (): Promise<void> => {
    child = spawn('setpriv', [...asPostgres, `${BIN}/postgres`, '-D', join(dir, 'data'), '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-k', dir, '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', ...extra], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      try {
        execFileSync(`${BIN}/pg_isready`, ['-h', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    throw new Error('PostgreSQL did not start');
  };
  const stop = async (): Promise<void> => {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    // SIGINT: "fast" shutdown, every session ended at once (what a server going away looks like).
    c.kill('SIGINT');
    await exited;
  };
  await start();
  return {
    port,
    password,
    caPem,
    dir,
    url: (db) => `postgres://postgres@127.0.0.1:${port}/${db}`,
    async createDatabase(name) {
      const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres' });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
      } finally {
        await client.end();
      }
    },
    stop,
    start,
    async destroy() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function uid(): number {
  return Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
}
function gid(): number {
  return Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
}
