// Owns tables: vault_meta.
import { z } from 'zod';
import type { Sql } from '../db/sql.js';

const metaRow = z.object({ kdf: z.string(), salt: z.instanceof(Buffer), verifier: z.instanceof(Buffer) });
export type VaultMetaRow = z.infer<typeof metaRow>;

/** The vault_meta table: the one row holding the passphrase vault's KDF parameters, salt and verifier. */
export class VaultMetaStore {
  constructor(private readonly db: Sql) {}

  read(): VaultMetaRow | undefined {
    return this.db.get('SELECT kdf, salt, verifier FROM vault_meta WHERE id = 1', [], metaRow);
  }

  /** Writes the setup unless one exists; false when another process wrote it first. */
  insertOnce(setup: VaultMetaRow, at: string): boolean {
    return this.db.run('INSERT OR IGNORE INTO vault_meta (id, kdf, salt, verifier, created_at) VALUES (1, ?, ?, ?, ?)', [setup.kdf, setup.salt, setup.verifier, at]).changes > 0;
  }
}
