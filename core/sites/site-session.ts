import { trustedCaPems } from '../certificates/trust-store.js';
import { OutpostError } from '../contract/errors.js';
import type { Sql } from '../db/sql.js';
import type { CredentialStore } from '../vault/credential-store.js';
import { SiteStore, type SiteRecord } from './site-store.js';
import { VsphereSession } from '../vsphere/session.js';

export type StoredSite = SiteRecord;

/** A stored site by name (sites.add wrote it), or NOT_FOUND with the next step. */
export async function storedSite(db: Sql, name: string): Promise<StoredSite> {
  const site = await new SiteStore(db).byName(name.trim());
  if (!site) throw new OutpostError('NOT_FOUND', `No site named "${name}". List them with: outpost site list`, { site: name });
  return site;
}

/** A stored site by id (a run recorded it), or NOT_FOUND when it was removed since. */
export async function storedSiteById(db: Sql, id: number): Promise<StoredSite> {
  const site = await new SiteStore(db).byId(id);
  if (!site) throw new OutpostError('NOT_FOUND', `Site ${id} is gone.`, { siteId: id });
  return site;
}

/** A logged-in vim25 session to a stored site: its sealed password, its pin or Outpost's imported CAs. The caller logs out. */
export async function connectSite(db: Sql, credentials: CredentialStore, site: StoredSite): Promise<VsphereSession> {
  if (site.credentialId === null) return Promise.reject(new OutpostError('NOT_FOUND', `Site ${site.name} has no stored credential; add it again.`, { site: site.name }));
  const password = await credentials.reveal(site.credentialId);
  return VsphereSession.connect({ url: site.url, username: site.username, password, trust: { pinnedFingerprint: site.fingerprint, trustedCas: await trustedCaPems(db) } });
}

/** Opens a session to a stored site (connectSite), runs `work`, and logs out whatever happens. */
export async function withSiteSession<T>(db: Sql, credentials: CredentialStore, site: StoredSite, work: (session: VsphereSession) => Promise<T>): Promise<T> {
  const session = await connectSite(db, credentials, site);
  try {
    return await work(session);
  } finally {
    // A failed logout must not turn finished work into a failure: the server drops the session anyway.
    await session.logout().catch(() => undefined);
  }
}

/** Every stored site's pinned certificate, by the host name it was pinned for. */
export async function sitePins(db: Sql): Promise<{ host: string; fingerprint: string }[]> {
  return (await new SiteStore(db).pinned()).flatMap((r) => {
    try {
      return [{ host: new URL(r.url).hostname.replace(/^\[|\]$/g, ''), fingerprint: r.fingerprint }];
    } catch {
      return [];
    }
  });
}
