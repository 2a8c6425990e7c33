// Owns tables: estate.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Sql } from '../db/sql.js';

const estateRow = z.object({ estate_id: z.string() });

/** The one-row estate table: which estate (a workstation's, then its team's) a store holds. */
export class EstateStore {
  constructor(private readonly db: Sql) {}

  async read(): Promise<string | null> {
    return (await this.db.get('SELECT estate_id FROM estate WHERE id = 1', [], estateRow))?.estate_id ?? null;
  }

  /** This store's estate id, made now if it has none (two callers at once get the same one). */
  async ensure(): Promise<string> {
    await this.db.run('INSERT INTO estate (id, estate_id, created_at) VALUES (1, ?, ?) ON CONFLICT (id) DO NOTHING', [randomUUID(), new Date().toISOString()]);
    const id = await this.read();
    if (id === null) throw new Error('estate row missing after insert');
    return id;
  }

  /** Claims an empty store for `estateId`; false when it already holds one (same or another). */
  async claim(estateId: string): Promise<boolean> {
    return (await this.db.run('INSERT INTO estate (id, estate_id, created_at) VALUES (1, ?, ?) ON CONFLICT (id) DO NOTHING', [estateId, new Date().toISOString()])).changes > 0;
  }
}
