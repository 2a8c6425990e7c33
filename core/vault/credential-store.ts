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

  async save(input: { name: string; kind: CredentialKind; username?: string | null; secret: string; scope?: CredentialScope }): Promise<CredentialMeta> {
    const now = new Date().toISOString();
    const scope = input.scope ?? { type: 'global' };
    // The secret is bound to its row (id, kind, name), and the id is only known once the row is
    // in: insert with an empty placeholder, seal, fill it in, all in one transaction.
    const insert = (): Promise<number> =>
      this.db.transaction(
        async (tx) => {
          const info = await tx.run(
            `INSERT INTO credentials (name, kind, username, scope_type, scope_ref, cipher, secret, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
            [input.name, input.kind, input.username ?? null, scope.type, scope.type === 'global' ? null : scope.ref, this.vault.kind, Buffer.alloc(0), now, now],
          );
          const id = info.lastId;
          const { cipher, sealed } = await this.vault.seal(input.secret, { id, kind: input.kind, name: input.name });
          await tx.run('UPDATE credentials SET cipher = ?, secret = ? WHERE id = ?', [cipher, sealed, id]);
          return id;
        },
        { immediate: true },
      );
    try {
      return await this.get(await insert());
    } catch (err) {
      if (err instanceof UniqueViolation) {
        throw new OutpostError('CONFLICT', `A credential named "${input.name}" already exists.`, { name: input.name });
      }
      throw err;
    }
  }

  async get(id: number): Promise<CredentialMeta> {
    return toMeta(await this.row(id));
  }

  async list(): Promise<CredentialMeta[]> {
    return (await this.db.all('SELECT * FROM credentials ORDER BY name', [], credentialRow)).map(toMeta);
  }

  async reveal(id: number): Promise<string> {
    await this.vault.ensureUnlocked(); // a deferred unlock may re-seal the row: read it afterwards
    const row = await this.row(id);
    return await this.vault.open(row.cipher, row.secret, { id: row.id, kind: row.kind, name: row.name });
  }

  async remove(id: number): Promise<void> {
    const info = await this.db.run('DELETE FROM credentials WHERE id = ?', [id]);
    if (info.changes === 0) throw new OutpostError('NOT_FOUND', `No credential with id ${id}.`);
  }

  private async row(id: number): Promise<CredentialRow> {
    const row = await this.db.get('SELECT * FROM credentials WHERE id = ?', [id], credentialRow);
    if (!row) throw new OutpostError('NOT_FOUND', `No credential with id ${id}.`);
    return row;
  }
}

const sealedRow = z.object({ id: z.number(), kind: z.string(), name: z.string(), cipher: z.enum(['os', 'passphrase']), secret: z.instanceof(Buffer) });
export type SealedRow = z.infer<typeof sealedRow>;

/**
 * The sealed secrets of the credentials table as the vault re-keys them: it reads every record of
 * a cipher kind and writes each one back re-sealed (the vault holds no SQL; this table's owner does).
 */
export class SealedSecrets {
  constructor(private readonly db: Sql) {}

  async ofCipher(kind: 'os' | 'passphrase'): Promise<SealedRow[]> {
    return await this.db.all('SELECT id, kind, name, cipher, secret FROM credentials WHERE cipher = ?', [kind], sealedRow);
  }

  async replace(id: number, secret: Buffer): Promise<void> {
    await this.db.run('UPDATE credentials SET secret = ? WHERE id = ?', [secret, id]);
  }
}
