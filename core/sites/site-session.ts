import { trustedCaPems } from '../certificates/trust-store.js';
import { OutpostError } from '../contract/errors.js';
import type { Db } from '../db/database.js';
import type { CredentialStore } from '../vault/credential-store.js';
import { VsphereSession } from '../vsphere/session.js';

export interface StoredSite {
  id: number;
  name: string;
  url: string;
  username: string;
  credentialId: number | null;
  /** The pinned certificate fingerprint, or null when the certificate chains to a trusted CA. */
  fingerprint: string | null;
}

type SiteRow = { id: number; name: string; url: string; username: string; credential_id: number | null; tls_fingerprint: string | null };
const SITE_SELECT = 'SELECT id, name, url, username, credential_id, tls_fingerprint FROM sites';
const toStoredSite = (row: SiteRow): StoredSite => ({ id: row.id, name: row.name, url: row.url, username: row.username, credentialId: row.credential_id, fingerprint: row.tls_fingerprint });

/** A stored site by name (sites.add wrote it), or NOT_FOUND with the next step. */
export function storedSite(db: Db, name: string): StoredSite {
  const row = db.prepare(`${SITE_SELECT} WHERE name = ? AND removed_at IS NULL`).get(name.trim()) as SiteRow | undefined;
  if (!row) throw new OutpostError('NOT_FOUND', `No site named "${name}". List them with: outpost site list`, { site: name });
  return toStoredSite(row);
}

/** A stored site by id (a run recorded it), or NOT_FOUND when it was removed since. */
export function storedSiteById(db: Db, id: number): StoredSite {
  const row = db.prepare(`${SITE_SELECT} WHERE id = ? AND removed_at IS NULL`).get(id) as SiteRow | undefined;
  if (!row) throw new OutpostError('NOT_FOUND', `Site ${id} is gone.`, { siteId: id });
  return toStoredSite(row);
}

/** A logged-in vim25 session to a stored site: its sealed password, its pin or Outpost's imported CAs. The caller logs out. */
export function connectSite(db: Db, credentials: CredentialStore, site: StoredSite): Promise<VsphereSession> {
  if (site.credentialId === null) return Promise.reject(new OutpostError('NOT_FOUND', `Site ${site.name} has no stored credential; add it again.`, { site: site.name }));
  const password = credentials.reveal(site.credentialId);
  return VsphereSession.connect({ url: site.url, username: site.username, password, trust: { pinnedFingerprint: site.fingerprint, trustedCas: trustedCaPems(db) } });
}

/** Opens a session to a stored site (connectSite), runs `work`, and logs out whatever happens. */
export async function withSiteSession<T>(db: Db, credentials: CredentialStore, site: StoredSite, work: (session: VsphereSession) => Promise<T>): Promise<T> {
  const session = await connectSite(db, credentials, site);
  try {
    return await work(session);
  } finally {
    // A failed logout must not turn finished work into a failure: the server drops the session anyway.
    await session.logout().catch(() => undefined);
  }
}

/** A VM of a stored site by name, moref or UUID, from the synced inventory (inv_vms). */
export function storedVm(db: Db, site: StoredSite, vm: string): { moref: string; name: string } {
  const rows = db
    .prepare('SELECT moref, name FROM inv_vms WHERE site_id = ? AND removed_at IS NULL AND (name = ? OR moref = ? OR uuid = ? OR instance_uuid = ?)')
    .all(site.id, vm, vm, vm, vm) as { moref: string; name: string }[];
  if (rows.length === 0) throw new OutpostError('NOT_FOUND', `No VM "${vm}" in site ${site.name}'s inventory. Sync it first: outpost inventory sync --site ${site.name}`, { vm });
  if (rows.length > 1) {
    throw new OutpostError('CONFLICT', `${rows.length} VMs in ${site.name} are named "${vm}"; give the moref instead (${rows.map((r) => r.moref).join(', ')}).`, { morefs: rows.map((r) => r.moref) });
  }
  return rows[0]!;
}

/** Every stored site's pinned certificate, by the host name it was pinned for. */
export function sitePins(db: Db): { host: string; fingerprint: string }[] {
  const rows = db.prepare('SELECT url, tls_fingerprint FROM sites WHERE removed_at IS NULL AND tls_fingerprint IS NOT NULL').all() as { url: string; tls_fingerprint: string }[];
  return rows.flatMap((r) => {
    try {
      return [{ host: new URL(r.url).hostname.replace(/^\[|\]$/g, ''), fingerprint: r.tls_fingerprint }];
    } catch {
      return [];
    }
  });
}
