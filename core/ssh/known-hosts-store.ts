// Owns tables: ssh_known_hosts.
import { OutpostError } from '../contract/errors.js';
import type { AuditLog } from '../audit/audit-log.js';
import { z } from 'zod';
import type { Sql } from '../db/sql.js';
import { hashedHostMatches, type KnownHostsFileEntry } from './known-hosts-file.js';
import { isFingerprint, keyTypeOf, sha256Fingerprint } from './host-key-fingerprint.js';

export interface KnownHost {
  id: number;
  /** Host name or address; for an imported hashed entry, the hashed token (the name is not recoverable). */
  host: string;
  port: number;
  hashed: boolean;
  keyType: string | null;
  fingerprint: string;
  source: 'operator' | 'import';
  addedAt: string;
  addedBy: string;
}

const knownHostRow = z.object({
  id: z.number(),
  host_pattern: z.string(),
  port: z.number(),
  hashed: z.union([z.literal(0), z.literal(1)]),
  key_type: z.string().nullable(),
  fingerprint: z.string(),
  source: z.enum(['operator', 'import']),
  added_at: z.string(),
  added_by: z.string(),
});
type KnownHostRow = z.infer<typeof knownHostRow>;

const toKnownHost = (r: KnownHostRow): KnownHost => ({
  id: r.id,
  host: r.host_pattern,
  port: r.port,
  hashed: r.hashed === 1,
  keyType: r.key_type,
  fingerprint: r.fingerprint,
  source: r.source,
  addedAt: r.added_at,
  addedBy: r.added_by,
});

/** What the host presented during key exchange, before any credential is sent. */
export interface PresentedHostKey {
  host: string;
  port: number;
  keyType: string | null;
  fingerprint: string;
}

export function presentedKey(host: string, port: number, blob: Buffer): PresentedHostKey {
  return { host, port, keyType: keyTypeOf(blob), fingerprint: sha256Fingerprint(blob) };
}

/**
 * The app's known-hosts store. `verify` is called from ssh2's hostVerifier, i.e. during key
 * exchange, so an unknown or changed key ends the connection before authentication starts.
 */
export class KnownHostsStore {
  constructor(
    private readonly db: Sql,
    private readonly audit?: AuditLog,
  ) {}

  async list(): Promise<KnownHost[]> {
    return (await this.db.all('SELECT * FROM ssh_known_hosts ORDER BY hashed, host_pattern, port, id', [], knownHostRow)).map(toKnownHost);
  }

  /** Every entry for host:port, hashed imports included. */
  async entriesFor(host: string, port: number): Promise<KnownHost[]> {
    const name = host.toLowerCase();
    const plain = await this.db.all('SELECT * FROM ssh_known_hosts WHERE hashed = 0 AND host_pattern = ? AND port = ?', [name, port], knownHostRow);
    const hashed = (await this.db.all('SELECT * FROM ssh_known_hosts WHERE hashed = 1', [], knownHostRow)).filter((r) =>
      hashedHostMatches(r.host_pattern, name, port),
    );
    return [...plain, ...hashed].map(toKnownHost);
  }

  /** Key types this host is known by: offered first in key exchange, as ssh(1) does, so a host with several keys presents the one we know. */
  async preferredKeyTypes(host: string, port: number): Promise<string[]> {
    return [...new Set((await this.entriesFor(host, port)).flatMap((e) => (e.keyType ? [e.keyType] : [])))];
  }

  /** Throws HOST_KEY_UNKNOWN (nothing known: ask the operator) or HOST_KEY_CHANGED (hard stop). */
  async verify(key: PresentedHostKey): Promise<void> {
    const known = await this.entriesFor(key.host, key.port);
    if (known.some((k) => k.fingerprint === key.fingerprint)) return;
    const where = `${key.host}:${key.port}`;
    const details = { host: key.host, port: key.port, keyType: key.keyType, fingerprint: key.fingerprint };
    if (known.length === 0) {
      throw new OutpostError(
        'HOST_KEY_UNKNOWN',
        `The host key of ${where} is not known (${key.keyType ?? 'key'} ${key.fingerprint}). Check that fingerprint with the host's owner (ssh-keygen -lf on the host), then trust it.`,
        details,
      );
    }
    throw new OutpostError(
      'HOST_KEY_CHANGED',
      `WARNING: the host key of ${where} has CHANGED (now ${key.keyType ?? 'key'} ${key.fingerprint}; trusted: ${known.map((k) => k.fingerprint).join(', ')}). ` +
        'Someone may be intercepting this connection, or the host was reinstalled. Nothing was sent. ' +
        'Confirm the new key with the host\'s owner before removing the old entry (outpost known-hosts remove) and trusting the new one.',
      { ...details, trusted: known.map((k) => k.fingerprint) },
    );
  }

  /** Operator trust: records a fingerprint for host:port. A different key already trusted there is a conflict: remove it first. */
  async trust(input: { host: string; port: number; fingerprint: string; keyType?: string | null }, actor: string): Promise<KnownHost> {
    if (!isFingerprint(input.fingerprint)) {
      throw new OutpostError('VALIDATION', `"${input.fingerprint}" is not a SHA-256 fingerprint; give it as ssh-keygen -lf prints it (SHA256:43 base64 characters).`);
    }
    const existing = await this.entriesFor(input.host, input.port);
    const same = existing.find((e) => e.fingerprint === input.fingerprint);
    if (same) return same;
    const sameType = existing.filter((e) => !input.keyType || !e.keyType || e.keyType === input.keyType);
    if (sameType.length > 0) {
      throw new OutpostError(
        'HOST_KEY_CHANGED',
        `${input.host}:${input.port} already has a different trusted key (${sameType.map((e) => e.fingerprint).join(', ')}). Remove it first if the host's key really changed.`,
        { host: input.host, port: input.port, trusted: sameType.map((e) => e.fingerprint) },
      );
    }
    const row = (await this.db.get(
      `INSERT INTO ssh_known_hosts (host_pattern, port, hashed, key_type, fingerprint, source, added_at, added_by)
       VALUES (?, ?, 0, ?, ?, 'operator', ?, ?) RETURNING *`,
      [input.host.toLowerCase(), input.port, input.keyType ?? null, input.fingerprint, new Date().toISOString(), actor],
      knownHostRow,
    ))!;
    await this.audit?.append({ actor, action: 'known-host.trust', target: `${row.host_pattern}:${row.port}`, details: { fingerprint: row.fingerprint, keyType: row.key_type } });
    return toKnownHost(row);
  }

  /** Removes every entry of host:port (hashed ones included); returns how many. */
  async remove(host: string, port: number, actor: string): Promise<number> {
    const ids = (await this.entriesFor(host, port)).map((e) => e.id);
    await this.db.transaction(async (tx) => {
      for (const id of ids) await tx.run('DELETE FROM ssh_known_hosts WHERE id = ?', [id]);
    });
    await this.audit?.append({ actor, action: 'known-host.remove', target: `${host.toLowerCase()}:${port}`, details: { removed: ids.length } });
    return ids.length;
  }

  /** Imports OpenSSH known_hosts entries; an entry already present is skipped. */
  async importEntries(entries: readonly KnownHostsFileEntry[], actor: string, source = 'known_hosts'): Promise<{ imported: number; alreadyKnown: number }> {
    const now = new Date().toISOString();
    let imported = 0;
    await this.db.transaction(async (tx) => {
      for (const e of entries) {
        imported += (await tx.run(
          `INSERT INTO ssh_known_hosts (host_pattern, port, hashed, key_type, fingerprint, source, added_at, added_by)
           VALUES (?, ?, ?, ?, ?, 'import', ?, ?) ON CONFLICT DO NOTHING`,
          [e.hostPattern, e.port, e.hashed ? 1 : 0, e.keyType, e.fingerprint, now, actor],
        )).changes;
      }
    });
    await this.audit?.append({ actor, action: 'known-host.import', target: source, details: { imported, alreadyKnown: entries.length - imported } });
    return { imported, alreadyKnown: entries.length - imported };
  }
}
