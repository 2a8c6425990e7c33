import { OutpostError } from '../contract/errors.js';
import type { Db } from '../db/database.js';
import type { Vault } from './vault.js';

export type CredentialKind = 'password' | 'private-key' | 'vcenter';
export type CredentialScope = { type: 'global' } | { type: 'site' | 'vm'; ref: string };

/** What may leave the core: names and metadata, never the secret. */
export interface CredentialMeta {
  id: number;
  name: string;
  kind: CredentialKind;
  username: string | null;
  scope: CredentialScope;
  createdAt: string;
  updatedAt: string;
}

interface CredentialRow {
  id: number;
  name: string;
  kind: CredentialKind;
  username: string | null;
  scope_type: 'global' | 'site' | 'vm';
  scope_ref: string | null;
  cipher: 'os' | 'passphrase';
  secret: Buffer;
  created_at: string;
  updated_at: string;
}

const toMeta = (r: CredentialRow): CredentialMeta => ({
  id: r.id,
  name: r.name,
  kind: r.kind,
  username: r.username,
  scope: r.scope_type === 'global' ? { type: 'global' } : { type: r.scope_type, ref: r.scope_ref ?? '' },
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** Vault-backed credentials; only `reveal` returns a secret, and only core code calls it. */
export class CredentialStore {
  constructor(
    private readonly db: Db,
    private readonly vault: Vault,
  ) {}

  save(input: { name: string; kind: CredentialKind; username?: string | null; secret: string; scope?: CredentialScope }): CredentialMeta {
    const now = new Date().toISOString();
    const scope = input.scope ?? { type: 'global' };
    // The secret is bound to its row (id, kind, name), and the id is only known once the row is
    // in: insert with an empty placeholder, seal, fill it in, all in one transaction.
    const insert = this.db.transaction(() => {
      const info = this.db
        .prepare(
          `INSERT INTO credentials (name, kind, username, scope_type, scope_ref, cipher, secret, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(input.name, input.kind, input.username ?? null, scope.type, scope.type === 'global' ? null : scope.ref, this.vault.kind, Buffer.alloc(0), now, now);
      const id = Number(info.lastInsertRowid);
      const { cipher, sealed } = this.vault.seal(input.secret, { id, kind: input.kind, name: input.name });
      this.db.prepare('UPDATE credentials SET cipher = ?, secret = ? WHERE id = ?').run(cipher, sealed, id);
      return id;
    });
    try {
      return this.get(insert.immediate());
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
        throw new OutpostError('CONFLICT', `A credential named "${input.name}" already exists.`, { name: input.name });
      }
      throw err;
    }
  }

  get(id: number): CredentialMeta {
    return toMeta(this.row(id));
  }

  list(): CredentialMeta[] {
    return (this.db.prepare('SELECT * FROM credentials ORDER BY name').all() as CredentialRow[]).map(toMeta);
  }

  reveal(id: number): string {
    this.vault.ensureUnlocked(); // a deferred unlock may re-seal the row: read it afterwards
    const row = this.row(id);
    return this.vault.open(row.cipher, row.secret, { id: row.id, kind: row.kind, name: row.name });
  }

  remove(id: number): void {
    const info = this.db.prepare('DELETE FROM credentials WHERE id = ?').run(id);
    if (info.changes === 0) throw new OutpostError('NOT_FOUND', `No credential with id ${id}.`);
  }

  private row(id: number): CredentialRow {
    const row = this.db.prepare('SELECT * FROM credentials WHERE id = ?').get(id) as CredentialRow | undefined;
    if (!row) throw new OutpostError('NOT_FOUND', `No credential with id ${id}.`);
    return row;
  }
}
