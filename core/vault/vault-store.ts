// Owns tables: vault_meta.
import { z } from 'zod';
import type { Sql } from '../db/sql.js';

const metaRow = z.object({ kdf: z.string(), salt: z.instanceof(Buffer), verifier: z.instanceof(Buffer) });
export type VaultMetaRow = z.infer<typeof metaRow>;

/** The vault_meta table: the one row holding the passphrase vault's KDF parameters, salt and verifier. */
export class VaultMetaStore {
  constructor(private readonly db: Sql) {}

  /** Whether a passphrase was set, without decoding the row (status must work on a damaged one). */
  async exists(): Promise<boolean> {
    return await this.db.get('SELECT 1 AS one FROM vault_meta WHERE id = 1', [], z.object({ one: z.number() })) !== undefined;
  }

  /** The row; 'damaged' when its columns have the wrong types (the vault reports VAULT_CORRUPT, not INTERNAL). */
  async read(): Promise<VaultMetaRow | 'damaged' | undefined> {
    const raw = await this.db.get('SELECT kdf, salt, verifier FROM vault_meta WHERE id = 1', [], z.unknown());
    if (raw === undefined) return undefined;
    const row = metaRow.safeParse(raw);
    return row.success ? row.data : 'damaged';
  }

  /** Writes the setup unless one exists; false when another process wrote it first. */
  async insertOnce(setup: VaultMetaRow, at: string): Promise<boolean> {
    return (await this.db.run('INSERT INTO vault_meta (id, kdf, salt, verifier, created_at) VALUES (1, ?, ?, ?, ?) ON CONFLICT DO NOTHING', [setup.kdf, setup.salt, setup.verifier, at])).changes > 0;
  }

  /** Replaces the setup (a re-key; the caller holds the transaction that re-seals every record). */
  async replace(setup: VaultMetaRow): Promise<void> {
    await this.db.run('UPDATE vault_meta SET kdf = ?, salt = ?, verifier = ? WHERE id = 1', [setup.kdf, setup.salt, setup.verifier]);
  }
}
