// Owns tables: credentials.
import { OutpostError } from '../contract/errors.js';
import { z } from 'zod';
import { UniqueViolation, type Sql } from '../db/sql.js';
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

const credentialRow = z.object({
  id: z.number(),
  name: z.string(),
  kind: z.enum(['password', 'private-key', 'vcenter']),
  username: z.string().nullable(),
  scope_type: z.enum(['global', 'site', 'vm']),
  scope_ref: z.string().nullable(),
  cipher: z.enum(['os', 'passphrase']),
  secret: z.instanceof(Buffer),
  created_at: z.string(),
  updated_at: z.string(),
});
type CredentialRow = z.infer<typeof credentialRow>;

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
    private readonly db: Sql,
    private readonly vault: Vault,
  ) {}

  save(input: { name: string; kind: CredentialKind; username?: string | null; secret: string; scope?: CredentialScope }): CredentialMeta {
    const { cipher, sealed } = this.vault.seal(input.secret);
    const now = new Date().toISOString();
    const scope = input.scope ?? { type: 'global' };
    try {
      const info = this.db.run(
        `INSERT INTO credentials (name, kind, username, scope_type, scope_ref, cipher, secret, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [input.name, input.kind, input.username ?? null, scope.type, scope.type === 'global' ? null : scope.ref, cipher, sealed, now, now],
      );
      return this.get(info.lastId);
    } catch (err) {
      if (err instanceof UniqueViolation) {
        throw new OutpostError('CONFLICT', `A credential named "${input.name}" already exists.`, { name: input.name });
      }
      throw err;
    }
  }

  get(id: number): CredentialMeta {
    return toMeta(this.row(id));
  }

  list(): CredentialMeta[] {
    return this.db.all('SELECT * FROM credentials ORDER BY name', [], credentialRow).map(toMeta);
  }

  reveal(id: number): string {
    const row = this.row(id);
    return this.vault.open(row.cipher, row.secret);
  }

  remove(id: number): void {
    const info = this.db.run('DELETE FROM credentials WHERE id = ?', [id]);
    if (info.changes === 0) throw new OutpostError('NOT_FOUND', `No credential with id ${id}.`);
  }

  private row(id: number): CredentialRow {
    const row = this.db.get('SELECT * FROM credentials WHERE id = ?', [id], credentialRow);
    if (!row) throw new OutpostError('NOT_FOUND', `No credential with id ${id}.`);
    return row;
  }
}
