import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import type { TLSSocket } from 'node:tls';
import pg from 'pg';
import { OutpostError } from '../contract/errors.js';

/** How to reach a team database beyond its URL: the hook `team connect` fills from the vault. */
export interface PgConnectOptions {
  /** The password (else PGPASSWORD or ~/.pgpass, as libpq). Never logged. */
  password?: string;
  /** PEM of the CA(s) that issued the server's certificate (else the system's CAs). */
  ca?: string;
  /** SHA-256 of the server's certificate (colon hex or plain hex): trusted whoever issued it, as for vCenter. */
  pinSha256?: string;
}

export function isPostgresTarget(target: string): boolean {
  return /^postgres(ql)?:\/\//i.test(target);
}

/** The target without its password, for messages and logs. */
export function redactTarget(target: string): string {
  return target.replace(/\/\/([^@/:]*)(:[^@/]*)?@/, (_m, user: string) => `//${user ? `${user}@` : ''}`);
}

function isLoopback(host: string): boolean {
  if (host === '' || host.startsWith('/')) return true; // a Unix socket directory
  if (host === 'localhost') return true;
  const bare = host.replace(/^\[|\]$/g, '');
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return bare === '::1';
}

function normalisePin(pin: string): string {
  const hex = pin.replace(/:/g, '').toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new OutpostError('VALIDATION', 'The pinned certificate fingerprint must be a SHA-256 (64 hex digits, colons allowed).');
  return hex;
}

/**
 * A pg Client that checks the server's certificate against a pin once TLS is up, before the
 * server can ask for the password (the startup message it may already hold names only the
 * user and database).
 */
function pinnedClient(pin: string): typeof pg.Client {
  return class PinnedClient extends pg.Client {
    constructor(config?: string | pg.ClientConfig) {
      super(config);
      const connection = (this as unknown as { connection: NodeJS.EventEmitter & { stream: TLSSocket } }).connection;
      connection.once('sslconnect', () => {
        const socket = connection.stream;
        socket.once('secureConnect', () => {
          const raw = socket.getPeerX509Certificate();
          const seen = raw ? new X509Certificate(raw.raw).fingerprint256.replace(/:/g, '').toLowerCase() : '';
          if (seen !== pin) {
            socket.destroy(Object.assign(new Error(`certificate SHA-256 ${seen || 'none'} is not the pinned one`), { code: 'CERT_PINNED_MISMATCH' }));
          }
        });
      });
    }
  };
}

/**
 * The pool configuration for a postgres:// target. TLS is verified (the given CA, else the
 * system's; or a pinned certificate); a server that is not on this machine is only ever reached
 * over TLS, since the password and the whole estate cross the network. `sslmode` in the URL is
 * read here (and removed, as pg would let it replace the verified TLS settings): `disable` is
 * honoured only on loopback, any other mode means TLS, always verified.
 */
export function pgPoolConfig(target: string, options: PgConnectOptions = {}): pg.PoolConfig & { label: string } {
  const label = redactTarget(target);
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new OutpostError('VALIDATION', `${label} is not a valid postgres:// URL. Use postgres://USER@HOST:PORT/DATABASE.`, { target: label });
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new OutpostError('VALIDATION', `${label} is not a postgres:// URL.`, { target: label });
  }
  const socketDir = url.searchParams.get('host') ?? '';
  const host = socketDir || url.hostname;
  if (!host) throw new OutpostError('VALIDATION', `${label} names no host. Use postgres://USER@HOST:PORT/DATABASE.`, { target: label });
  if (url.port && !(Number(url.port) >= 1 && Number(url.port) <= 65535)) {
    throw new OutpostError('VALIDATION', `${label} has an invalid port.`, { target: label });
  }
  if (!url.pathname || url.pathname === '/') throw new OutpostError('VALIDATION', `${label} names no database. Use postgres://USER@HOST:PORT/DATABASE.`, { target: label });
  const sslmode = url.searchParams.get('sslmode');
  url.searchParams.delete('sslmode');
  const loopback = isLoopback(host);
  const pin = options.pinSha256 ? normalisePin(options.pinSha256) : null;
  const wantsTls = !loopback || Boolean(options.ca) || pin !== null || (sslmode !== null && sslmode !== 'disable' && sslmode !== 'allow' && sslmode !== 'prefer');
  if (!loopback && (sslmode === 'disable' || sslmode === 'allow' || sslmode === 'prefer')) {
    throw new OutpostError('VALIDATION', `Outpost reaches a PostgreSQL server on another machine only over verified TLS; remove sslmode=${sslmode} from ${label}.`, { target: label });
  }
  // Fields, not connectionString: pg lets a parsed URL's empty password override the one given.
  const config: pg.PoolConfig & { label: string } = {
    label,
    host: socketDir || url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port ? Number(url.port) : 5432,
    database: decodeURIComponent(url.pathname.slice(1)),
    connectionTimeoutMillis: 10_000,
    application_name: 'outpost',
  };
  if (url.username) config.user = decodeURIComponent(url.username);
  const password = options.password ?? (url.password ? decodeURIComponent(url.password) : undefined);
  if (password !== undefined) config.password = password;
  if (wantsTls) {
    config.ssl = pin
      ? { rejectUnauthorized: false, ...(url.hostname && !isIP(url.hostname) ? { servername: url.hostname } : {}) }
      : { rejectUnauthorized: true, ...(options.ca ? { ca: options.ca } : {}) };
    if (pin) config.Client = pinnedClient(pin);
  }
  return config;
}
