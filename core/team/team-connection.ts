import { hostname, userInfo } from 'node:os';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import pg from 'pg';
import { z } from 'zod';
import { OutpostError } from '../contract/errors.js';
import { caBundle } from '../trust/ca-bundle.js';
import { fingerprintOf, normalizeFingerprint } from '../trust/fingerprint.js';

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

/** How this workstation trusts the team server's certificate. */
export interface TeamTrust {
  /** A CA (or the server's self-signed certificate) given for this team, PEM. */
  ca: string | null;
  /** CAs imported into Outpost's trust store (as for vCenter). */
  importedCas: readonly string[];
  /** A SHA-256 fingerprint the server's certificate must have, besides a verified chain. */
  fingerprint: string | null;
}

/** Who this process is, as other consoles see it in `team status` (pg_stat_activity.application_name). */
export function presenceName(role: string, who = `${userInfo().username}@${hostname()}`): string {
  // application_name keeps 63 bytes; the role ('console', 'events', 'indexer') goes first.
  return `outpost/${role}/${who}`.slice(0, 63);
}

export function checkPemCertificate(pem: string): string {
  try {
    new X509Certificate(pem);
  } catch {
    throw new OutpostError('CERT_INVALID', 'The --ca file is not a PEM certificate. Give the CA that issued the team server\'s certificate (or that certificate, if it is self-signed).', { field: 'ca' });
  }
  return pem;
}

/**
 * The driver's connection settings. TLS is verified against the system CAs, Outpost's imported
 * CAs and the team's CA (and the pinned fingerprint, when set); a plain connection is made only
 * to loopback or a Unix socket, and only when no CA or pin asks for TLS there.
 */
export function teamClientConfig(target: TeamTarget, password: string | null, trust: TeamTrust, applicationName: string): pg.ClientConfig {
  const wantsTls = !target.local || trust.ca !== null || trust.fingerprint !== null;
  const pin = trust.fingerprint ? normalizeFingerprint(trust.fingerprint) : null;
  return {
    host: target.host,
    port: target.port,
    database: target.database,
    user: target.user,
    ...(password !== null ? { password } : {}),
    application_name: applicationName,
    connectionTimeoutMillis: 5000,
    keepAlive: true,
    ssl: wantsTls
      ? {
          ca: caBundle(trust.importedCas, trust.ca ?? undefined),
          rejectUnauthorized: true,
          servername: /^[\d.:[\]]+$/.test(target.host) ? undefined : target.host,
          checkServerIdentity: (host: string, cert: PeerCertificate) => {
            const nameError = checkServerIdentity(host, cert);
            if (nameError) return nameError;
            if (pin && fingerprintOf(cert.raw) !== pin) return Object.assign(new Error(`certificate fingerprint ${fingerprintOf(cert.raw)} is not the pinned ${pin}`), { code: 'OUTPOST_PIN_MISMATCH' });
            return undefined;
          },
        }
      : false,
  };
}

const pgErrorShape = z.object({ code: z.string().optional(), message: z.string() }).passthrough();

const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

const OFFLINE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', '57P01', '57P02', '57P03', '08000', '08003', '08006', '08001', '08004']);

/** Whether an error from the driver means the database cannot be reached (rather than a refused statement). */
export function isConnectionLoss(err: unknown): boolean {
  const e = pgErrorShape.safeParse(err);
  if (!e.success) return false;
  if (e.data.code && OFFLINE_CODES.has(e.data.code)) return true;
  return /Connection terminated|connection timeout|Client has encountered a connection error|Connection closed|not queryable/i.test(e.data.message);
}

/** One clear error for a failed connection to the team database (team connect, team status). */
export function teamConnectError(err: unknown, target: TeamTarget): OutpostError {
  if (err instanceof OutpostError) return err;
  const e = pgErrorShape.safeParse(err);
  const code = e.success ? e.data.code : undefined;
  const message = e.success ? e.data.message : String(err);
  const where = `${target.host}:${target.port}/${target.database}`;
  if (code === '28P01' || code === '28000') {
    return new OutpostError('TEAM_AUTH', `The team database ${where} refused user "${target.user}" (wrong password, or no access from here). Check the password with the database's administrator and connect again.`, { url: target.url, cause: code });
  }
  if (code === '3D000') return new OutpostError('VALIDATION', `The team server has no database "${target.database}". Ask its administrator to create it (CREATE DATABASE) or correct the URL.`, { url: target.url, field: 'url' });
  if (code === 'OUTPOST_PIN_MISMATCH') return new OutpostError('TLS_CHANGED', `The certificate of ${target.host} is not the one pinned for this team (${message}). Outpost did not send the password.`, { url: target.url });
  if ((code && TLS_CODES.has(code)) || /certificate|self[- ]signed/i.test(message)) {
    return new OutpostError('TLS_UNTRUSTED', `The certificate of the team server ${target.host} is not trusted (${code ?? message}). Give its CA with --ca FILE (or import it: outpost cert import) and connect again.`, { url: target.url, reason: code ?? message });
  }
  if (/does not support SSL/i.test(message)) {
    return new OutpostError('TLS_UNTRUSTED', `The team server ${target.host} does not offer TLS; Outpost sends a password in plain only over loopback or a Unix socket. Enable ssl on the server.`, { url: target.url });
  }
  if (isConnectionLoss(err)) {
    return new OutpostError('TEAM_OFFLINE', `The team database ${where} cannot be reached (${code ?? message}). Check that it runs and that this workstation can reach it; Outpost reconnects by itself.`, { url: target.url, cause: code ?? null });
  }
  return new OutpostError('TEAM_OFFLINE', `Connecting to the team database ${where} failed: ${message}`, { url: target.url, cause: code ?? null });
}

/** Connects once to check URL, password and certificate; returns the server's version. */
export async function probeTeam(config: pg.ClientConfig, target: TeamTarget): Promise<{ serverVersion: string; tls: boolean }> {
  const client = new pg.Client(config);
  client.on('error', () => undefined);
  try {
    await client.connect();
    const res = await client.query('SHOW server_version');
    const row = z.object({ server_version: z.string() }).parse(res.rows[0]);
    return { serverVersion: row.server_version, tls: config.ssl !== false && config.ssl !== undefined };
  } catch (err) {
    throw teamConnectError(err, target);
  } finally {
    await client.end().catch(() => undefined);
  }
}
