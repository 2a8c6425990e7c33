// Owns tables: sites.
import { z } from 'zod';
import type { Sql } from '../db/sql.js';

/** A live site as the services use it (the credential is a vault id; the secret stays sealed). */
export interface SiteRecord {
  id: number;
  name: string;
  url: string;
  username: string;
  credentialId: number | null;
  /** The pinned certificate fingerprint, or null when the certificate chains to a trusted CA. */
  fingerprint: string | null;
}

const siteRow = z.object({
  id: z.number(),
  name: z.string(),
  url: z.string(),
  username: z.string(),
  credential_id: z.number().nullable(),
  tls_fingerprint: z.string().nullable(),
});
const toSite = (row: z.infer<typeof siteRow>): SiteRecord => ({
  id: row.id,
  name: row.name,
  url: row.url,
  username: row.username,
  credentialId: row.credential_id,
  fingerprint: row.tls_fingerprint,
});
const SITE_SELECT = 'SELECT id, name, url, username, credential_id, tls_fingerprint FROM sites';

const listRow = z.object({ id: z.number(), name: z.string(), url: z.string(), username: z.string(), last_sync_at: z.string().nullable() });

/** The sites table: every vCenter the operator added (a removed one stays, marked and renamed). */
export class SiteStore {
  constructor(private readonly db: Sql) {}

  /** Live sites by name, with the time of their last complete sync. */
  async list(): Promise<{ id: number; name: string; url: string; username: string; lastSyncAt: string | null }[]> {
    return (await this.db
      .all('SELECT id, name, url, username, last_sync_at FROM sites WHERE removed_at IS NULL ORDER BY name', [], listRow))
      .map((r) => ({ id: r.id, name: r.name, url: r.url, username: r.username, lastSyncAt: r.last_sync_at }));
  }

  /** Live sites (id and name), all of them or the one named. */
  async live(name?: string): Promise<{ id: number; name: string }[]> {
    return await this.db.all(
      `SELECT id, name FROM sites WHERE removed_at IS NULL ${name !== undefined ? 'AND name = ?' : ''} ORDER BY name`,
      name !== undefined ? [name] : [],
      z.object({ id: z.number(), name: z.string() }),
    );
  }

  async byName(name: string): Promise<SiteRecord | undefined> {
    const row = await this.db.get(`${SITE_SELECT} WHERE name = ? AND removed_at IS NULL`, [name], siteRow);
    return row && toSite(row);
  }

  async byId(id: number): Promise<SiteRecord | undefined> {
    const row = await this.db.get(`${SITE_SELECT} WHERE id = ? AND removed_at IS NULL`, [id], siteRow);
    return row && toSite(row);
  }

  async exists(name: string): Promise<boolean> {
    return await this.db.get('SELECT 1 AS found FROM sites WHERE name = ? AND removed_at IS NULL', [name], z.object({ found: z.number() })) !== undefined;
  }

  /** Every live site's pinned certificate fingerprint with its URL. */
  async pinned(): Promise<{ url: string; fingerprint: string }[]> {
    return (await this.db
      .all('SELECT url, tls_fingerprint FROM sites WHERE removed_at IS NULL AND tls_fingerprint IS NOT NULL', [], z.object({ url: z.string(), tls_fingerprint: z.string() })))
      .map((r) => ({ url: r.url, fingerprint: r.tls_fingerprint }));
  }

  async insert(site: { name: string; url: string; username: string; credentialId: number; fingerprint: string | null; createdAt: string; vcenterAbout: string }): Promise<number> {
    return (await this.db.run('INSERT INTO sites (name, url, username, credential_id, tls_fingerprint, created_at, vcenter_about) VALUES (?, ?, ?, ?, ?, ?, ?)', [
      site.name,
      site.url,
      site.username,
      site.credentialId,
      site.fingerprint,
      site.createdAt,
      site.vcenterAbout,
    ])).lastId;
  }

  /** Marks a site removed and renames it "NAME (removed TIME)" so the name can be used again. */
  async markRemoved(id: number, name: string, at: string): Promise<void> {
    await this.db.run('UPDATE sites SET removed_at = ?, name = ?, credential_id = NULL WHERE id = ?', [at, `${name} (removed ${at})`, id]);
  }

  /** Starts an inventory sync run of the site; returns the run's number. */
  async nextSyncRun(id: number): Promise<number> {
    return (await this.db.get('UPDATE sites SET sync_run = sync_run + 1 WHERE id = ? RETURNING sync_run', [id], z.object({ sync_run: z.number() })))!.sync_run;
  }

  async lastSyncAt(id: number): Promise<string | null> {
    return (await this.db.get('SELECT last_sync_at FROM sites WHERE id = ?', [id], z.object({ last_sync_at: z.string().nullable() })))?.last_sync_at ?? null;
  }

  async recordSyncDone(id: number, ms: number, at: string): Promise<void> {
    await this.db.run('UPDATE sites SET last_sync_at = ?, last_sync_ms = ?, last_error = NULL WHERE id = ?', [at, Math.round(ms), id]);
  }

  async recordSyncError(id: number, error: { code: string; message: string }): Promise<void> {
    await this.db.run('UPDATE sites SET last_error = ? WHERE id = ?', [JSON.stringify(error), id]);
  }
}
