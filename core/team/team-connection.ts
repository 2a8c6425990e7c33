import { hostname, userInfo } from 'node:os';
import { X509Certificate } from 'node:crypto';
import pg from 'pg';
import { z } from 'zod';
import { OutpostError } from '../contract/errors.js';
import { neutral } from '../db/pg-sql.js';

/** Where the team database is, as `postgres://user@host:port/database` (the password never travels in it). */
export interface TeamTarget {
  /** The URL without any password, safe to show and store. */
  url: string;
  host: string;
  port: number;
  database: string;
  user: string;
  /** A Unix socket folder or a loopback address: plain connections are allowed there. */
  local: boolean;
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|::1|\[::1\])$/i;

/** Parses and checks a team URL before anything connects; a password in it is refused (it would sit in shell history). */
export function parseTeamUrl(input: string): TeamTarget {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new OutpostError('VALIDATION', `"${input.replace(/:[^:@/]*@/, ':***@')}" is not a URL. Give postgres://USER@HOST:PORT/DATABASE.`, { field: 'url' });
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new OutpostError('VALIDATION', `A team database URL starts with postgres://, not ${url.protocol}//.`, { field: 'url' });
  }
  if (url.password) {
    throw new OutpostError('VALIDATION', 'Do not put the password in the URL (it would stay in shell history and process lists): give it with --password-stdin, or type it in Settings → Team.', { field: 'url' });
  }
  const user = decodeURIComponent(url.username);
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  // postgres://user@/db?host=/run/postgresql names a Unix socket folder.
  const socketDir = url.searchParams.get('host');
  const host = socketDir ?? url.hostname;
  if (!user) throw new OutpostError('VALIDATION', 'The URL names no user: postgres://USER@HOST:PORT/DATABASE.', { field: 'url' });
  if (!database || database.includes('/')) throw new OutpostError('VALIDATION', 'The URL names no database: postgres://USER@HOST:PORT/DATABASE.', { field: 'url' });
  if (!host) throw new OutpostError('VALIDATION', 'The URL names no host: postgres://USER@HOST:PORT/DATABASE.', { field: 'url' });
  if (socketDir !== null && !socketDir.startsWith('/')) throw new OutpostError('VALIDATION', 'host= in the URL must be the absolute path of a Unix socket folder.', { field: 'url' });
  for (const key of url.searchParams.keys()) {
    if (key !== 'host') throw new OutpostError('VALIDATION', `The URL option "${key}" is not supported: TLS is set with --ca (and is required except on loopback or a Unix socket).`, { field: 'url' });
  }
  const port = url.port ? Number(url.port) : 5432;
  const clean = new URL(`postgres://${encodeURIComponent(user)}@${socketDir === null ? url.host : ''}/${encodeURIComponent(database)}`);
  if (socketDir !== null) clean.searchParams.set('host', socketDir);
  return { url: clean.toString(), host: host.replace(/^\[|\]$/g, ''), port, database, user, local: socketDir !== null || LOOPBACK.test(url.hostname) };
}

/** Who this process is, as other consoles see it in `team status` (pg_stat_activity.application_name). */
export function presenceName(role: string, who = `${userInfo().username}@${hostname()}`): string {
  // application_name keeps 63 bytes; the process token (9 with its slash) is appended after this.
  return `outpost/${role}/${who}`.slice(0, 54);
}

export function checkPemCertificate(pem: string): string {
  try {
    new X509Certificate(pem);
  } catch {
    throw new OutpostError('CERT_INVALID', 'The --ca file is not a PEM certificate. Give the CA that issued the team server\'s certificate (or that certificate, if it is self-signed).', { field: 'ca' });
  }
  return pem;
}

/** A client for one dedicated connection (LISTEN, index locks): the pool config's Client class checks a pinned certificate. */
export function clientFor(config: pg.PoolConfig): pg.Client {
  // The pool config's Client is a pg.Client subclass (pg-target.ts's pinned client) or absent.
  const Client = (config.Client ?? pg.Client) as typeof pg.Client;
  return new Client(config);
}

/** Connects once to check URL, password and certificate; returns the server's version. Errors are the engine's (DB_AUTH, TLS_UNTRUSTED, UNREACHABLE). */
export async function probeTeam(config: pg.PoolConfig): Promise<{ serverVersion: string; tls: boolean }> {
  const client = clientFor(config);
  client.on('error', () => undefined);
  try {
    await client.connect();
    const res = await client.query('SHOW server_version');
    const row = z.object({ server_version: z.string() }).parse(res.rows[0]);
    return { serverVersion: row.server_version, tls: config.ssl !== undefined && config.ssl !== false };
  } catch (err) {
    throw neutral(err, '');
  } finally {
    await client.end().catch(() => undefined);
  }
}
