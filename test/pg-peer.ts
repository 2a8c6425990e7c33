// A real PostgreSQL 15 for tests (see /work/shared/LAB.md "PostgreSQL"): a private cluster in a
// temp folder, run as the postgres user (the server refuses root), on 127.0.0.1 and a free
// port, fsync off (a test cluster need not survive a power cut); one fresh database per test
// (CREATE DATABASE copies a template: a few ms). Stopped by PID.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startOnFreePort } from './peers/free-port.js';

const BIN = '/usr/lib/postgresql/15/bin';
/** The role the tests' Outpost logs in as (not a superuser: it owns its databases, as in a real team). */
export const PG_USER = 'outpost';
export const PG_PASSWORD = 'outpost-test-password';
const SUPER_PASSWORD = 'postgres-test-password';

export interface PgPeer {
  readonly port: number;
  readonly dir: string;
  readonly pid: number;
  /** Only with `tls: true`: the CA that issued the server's certificate, and one that did not. */
  readonly ca: string | null;
  readonly otherCa: string | null;
  /** postgres://outpost@127.0.0.1:PORT/DB (no password in it: pass PG_PASSWORD as the `password` option). */
  url(database: string, host?: string): string;
  /** A new empty database owned by `outpost`; returns its name. */
  createDatabase(): Promise<string>;
  /** Runs SQL as the superuser in `database` (default postgres). */
  admin<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[], database?: string): Promise<pg.QueryResult<R>>;
  /** Stops the server but keeps its data and port (the team database going away). */
  pause(): Promise<void>;
  /** Starts it again after pause(), same port and data. */
  resume(): Promise<void>;
  stop(): Promise<void>;
}

export function postgresInstalled(): boolean {
  return existsSync(join(BIN, 'postgres'));
}

function asPostgres(args: string[]): string[] {
  // setpriv execs, so the pid of the spawned process is the program's own.
  return userInfo().uid === 0 ? ['setpriv', '--reuid=postgres', '--regid=postgres', '--clear-groups', '--', ...args] : args;
}

/** A CA and a server certificate for localhost/127.0.0.1 it issued, plus a second CA that issued nothing. */
function makeCertificates(dir: string): { ca: string; otherCa: string } {
  const run = (args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  };
  run(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=outpost test CA']);
  run(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'other.key', '-out', 'other.pem', '-days', '2', '-subj', '/CN=another CA']);
  run(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost']);
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'ext.cnf']);
  return { ca: readFileSync(join(dir, 'ca.pem'), 'utf8'), otherCa: readFileSync(join(dir, 'other.pem'), 'utf8') };
}

export async function startPostgres(options: { tls?: boolean } = {}): Promise<PgPeer> {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-pg-'));
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  chownSync(dir, uid, gid);
  const pwfile = join(dir, 'pw');
  writeFileSync(pwfile, SUPER_PASSWORD);
  chownSync(pwfile, uid, gid);
  const data = join(dir, 'data');
  const initdb = asPostgres([join(BIN, 'initdb'), '-D', data, '-U', 'postgres', `--pwfile=${pwfile}`, '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C.UTF-8', '-N']);
  execFileSync(initdb[0]!, initdb.slice(1), { stdio: 'ignore' });
  rmSync(pwfile);
  const settings = ['-c', 'listen_addresses=127.0.0.1', '-k', dir, '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=100'];
  let ca: string | null = null;
  let otherCa: string | null = null;
  if (options.tls) {
    ({ ca, otherCa } = makeCertificates(dir));
    for (const f of ['server.pem', 'server.key']) {
      copyFileSync(join(dir, f), join(data, f));
      chownSync(join(data, f), uid, gid);
      chmodSync(join(data, f), 0o600);
    }
    settings.push('-c', 'ssl=on', '-c', 'ssl_cert_file=server.pem', '-c', 'ssl_key_file=server.key');
  }
  let port = 0;
  const cmd = (): string[] => asPostgres([join(BIN, 'postgres'), '-D', data, '-p', String(port), ...settings]);
  const superConfig = (database: string): pg.ClientConfig => ({ host: '127.0.0.1', port, user: 'postgres', password: SUPER_PASSWORD, database });
  let log = '';
  const launch = async (): Promise<{ child: ChildProcess; exited: Promise<void> }> => {
    const argv = cmd();
    const child: ChildProcess = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.on('data', (d: Buffer) => {
      log = (log + d.toString()).slice(-4000);
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    for (let i = 0; ; i++) {
      if (child.exitCode !== null) throw new Error(`postgres did not start: ${log}`);
      const c = new pg.Client(superConfig('postgres'));
      try {
        await c.connect();
        await c.end();
        break;
      } catch {
        if (i > 200) throw new Error(`postgres did not start in time: ${log}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    return { child, exited };
  };
  // A refused bind shows in the error, which carries postgres's log.
  let server = await startOnFreePort(
    (free) => {
      port = free;
      log = '';
      return launch();
    },
    (err) => err instanceof Error && /could not bind|already in use/i.test(err.message),
  );
  const halt = async (): Promise<void> => {
    if (server.child.exitCode === null) {
      // SIGINT: PostgreSQL's fast shutdown, every session ended at once (a server going away).
      process.kill(server.child.pid!, 'SIGINT');
      await server.exited;
    }
  };
  const admin = async <R extends pg.QueryResultRow>(sql: string, params: unknown[] = [], database = 'postgres'): Promise<pg.QueryResult<R>> => {
    const c = new pg.Client(superConfig(database));
    c.on('error', () => undefined);
    await c.connect();
    try {
      return await c.query<R>(sql, params);
    } finally {
      await c.end().catch(() => undefined);
    }
  };
  await admin(`CREATE ROLE ${PG_USER} LOGIN PASSWORD '${PG_PASSWORD}'`);
  let n = 0;
  return {
    port,
    dir,
    get pid() {
      return server.child.pid!;
    },
    ca,
    otherCa,
    url: (database, host = '127.0.0.1') => `postgres://${PG_USER}@${host}:${port}/${database}`,
    createDatabase: async () => {
      const name = `t${++n}_${process.pid}`;
      await admin(`CREATE DATABASE ${name} OWNER ${PG_USER} TEMPLATE template0`);
      return name;
    },
    admin,
    pause: halt,
    resume: async () => {
      if (server.child.exitCode === null) return;
      server = await launch();
    },
    stop: async () => {
      await halt();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
