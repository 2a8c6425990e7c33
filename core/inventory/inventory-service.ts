import type { CommandOutput, CommandParsedInput } from '../contract/commands.js';
import { OutpostError, toContractError } from '../contract/errors.js';
import type { AddedSite, SiteRemoved, SyncProgress, SyncResult, VmSummary, WatchStatusSummary } from '../contract/inventory.js';
import { EventLogStore, INDEX_HEARTBEAT_MS, type RecordedEvent } from './event-log-store.js';
import type { AuditLog } from '../audit/audit-log.js';
import { atomically, type Sql } from '../db/sql.js';
import { SiteStore } from '../sites/site-store.js';
import { trustedCaPems } from '../certificates/trust-store.js';
import { connectSite, storedSite, type StoredSite } from '../sites/site-session.js';
import { storedVm } from './stored-vm.js';
import { normalizeFingerprint } from '../trust/fingerprint.js';
import type { CredentialStore } from '../vault/credential-store.js';
import type { Vault } from '../vault/vault.js';
import { parseSdkUrl, VsphereSession } from '../vsphere/session.js';
import { changePower } from '../vsphere/vm-power.js';
import { fullSync } from './full-sync.js';
import { InventoryStore } from './inventory-store.js';
import { InventoryWatcher, type AppliedChange, type WatchStatus } from './inventory-watcher.js';
import { countVms, searchVms } from './vm-search.js';


export interface InventoryServiceOptions {
  db: Sql;
  vault: Vault;
  credentials: CredentialStore;
  audit: AuditLog;
  /**
   * How many VMs of a site are enrolled (the CMDB is enrollment's table, and enrollment sits above
   * inventory): the composition root passes the CMDB store's count, so removing a site with
   * enrolled VMs is refused.
   */
  enrolledVms: (siteId: number) => Promise<number>;
  /** Where watcher changes and states are published (the core sends them out as contract events). */
  notify?: {
    onApplied?: WatchTuning['onApplied'];
    onStatus?: WatchTuning['onStatus'];
    onSyncProgress?: (p: SyncProgress) => void;
    onEvents?: (site: string, events: readonly RecordedEvent[]) => void;
  };
}

/** Watcher tuning and change notifications (tests and the benchmark set them). */
export interface WatchTuning {
  backoff?: { initialMs: number; maxMs: number };
  maxWaitSeconds?: number;
  onApplied?: (site: string, changes: readonly AppliedChange[]) => void;
  onStatus?: (site: string, status: WatchStatus) => void;
  onEvents?: (site: string, events: readonly RecordedEvent[]) => void;
}

/** Sites, their sync and watchers, VM search and VM operations: what the handlers call. */
export class InventoryService {
  readonly store: InventoryStore;
  readonly events: EventLogStore;
  private readonly sites: SiteStore;
  /** Every site is indexed (indexAll): a site added later starts at once. */
  private alwaysOn = false;
  /**
   * This process is the store's indexer (indexAll ran): only it writes index status rows, so a
   * watch toggled in a process that is not (the app beside `outpost serve`) never overwrites them.
   * Stays true through close, which records each site as stopped.
   */
  private ownsStatus = false;
  private heartbeat: NodeJS.Timeout | null = null;
  private readonly watchers = new Map<string, InventoryWatcher>();
  /** Sites with a full sync running in this process (a site is not removed under one). */
  private readonly syncing = new Set<number>();
  watchTuning: WatchTuning = {};

  constructor(private readonly o: InventoryServiceOptions) {
    this.store = new InventoryStore(o.db);
    this.events = new EventLogStore(o.db);
    this.sites = new SiteStore(o.db);
  }

  /**
   * The always-on index: a watcher for every live site from now on (a site added later starts at
   * once, a removed one stops), each status written to the store with a heartbeat so other
   * processes can show it. Each watcher catches up by itself (snapshot diff, events since the
   * last stored key), then stays live and reconnects forever.
   */
  async indexAll(): Promise<WatchStatusSummary[]> {
    this.alwaysOn = true;
    this.ownsStatus = true;
    if (!this.heartbeat) {
      this.heartbeat = setInterval(() => void this.writeStatuses().catch(() => undefined), INDEX_HEARTBEAT_MS);
      this.heartbeat.unref();
    }
    const started: WatchStatusSummary[] = [];
    for (const site of await this.sites.live()) started.push(await this.startWatch(site.name));
    return started;
  }

  /** The live sites, for a caller that decides per site who indexes it (team mode's advisory locks). */
  async liveSites(): Promise<{ id: number; name: string }[]> {
    return await this.sites.live();
  }

  /**
   * Team mode: this process now holds the site's index lock: index it (resuming from the store,
   * as after a restart) and write its status rows. indexAll is for a store only one process indexes.
   */
  async indexSite(name: string): Promise<void> {
    this.ownsStatus = true;
    if (!this.heartbeat) {
      this.heartbeat = setInterval(() => void this.writeStatuses().catch(() => undefined), INDEX_HEARTBEAT_MS);
      this.heartbeat.unref();
    }
    await this.startWatch(name);
  }

  /** Team mode: the site's lock is gone (another process may take it now): drop its watcher at once. */
  unindexSite(name: string): void {
    const watcher = this.watchers.get(name);
    if (!watcher) return;
    watcher.abandon();
    this.watchers.delete(name);
  }

  /** Ends every watcher's backoff wait now (the vault was just unlocked). */
  retryNow(): void {
    for (const w of this.watchers.values()) w.retryNow();
  }

  /** Whether indexAll is on in this process. */
  get indexing(): boolean {
    return this.alwaysOn;
  }

  async listEvents(q: CommandParsedInput<'events.list'>): Promise<CommandOutput<'events.list'>> {
    if (q.site) await this.site(q.site);
    const events = await this.events.list(q);
    const last = events[events.length - 1];
    const next = q.afterId === undefined && last && events.length === q.limit ? { createdAt: last.createdAt, id: last.id } : null;
    const lastId = q.afterId !== undefined ? (last?.id ?? q.afterId) : await this.events.lastId();
    return { events, next, lastId };
  }

  private async writeStatuses(): Promise<void> {
    if (!this.ownsStatus) return;
    const now = new Date().toISOString();
    for (const [name, w] of this.watchers) {
      const site = await this.sites.byName(name);
      if (site) void this.events.writeStatus(site.id, w.current, process.pid, now).catch(() => undefined);
    }
  }

  async addSite(input: CommandParsedInput<'sites.add'>, actor: string): Promise<AddedSite> {
    const name = input.name.trim();
    if (await this.sites.exists(name)) {
      throw new OutpostError('CONFLICT', `A site named "${name}" already exists.`, { name });
    }
    const url = parseSdkUrl(input.url);
    const pinned = input.trustFingerprint ? normalizeFingerprint(input.trustFingerprint) : null;
    if (!(await this.o.vault.state()).unlocked) {
      throw new OutpostError('VAULT_LOCKED', 'The vault is locked: unlock it (desktop app, or OUTPOST_VAULT_PASSPHRASE for the CLI) so the vCenter password can be stored sealed.');
    }
    // Certificate and credentials are checked before anything is stored.
    const session = await VsphereSession.connect({ url: url.toString(), username: input.username, password: input.password, trust: { pinnedFingerprint: pinned, trustedCas: await trustedCaPems(this.o.db) } });
    const about = session.content.about;
    await session.logout();
    const now = new Date().toISOString();
    const id = await atomically(this.o.db, async () => {
      const credential = await this.o.credentials.save({ name: `vcenter:${name}`, kind: 'vcenter', username: input.username, secret: input.password, scope: { type: 'site', ref: name } });
      const siteId = await this.sites.insert({ name, url: url.toString(), username: input.username, credentialId: credential.id, fingerprint: pinned, createdAt: now, vcenterAbout: JSON.stringify(about) });
      await this.o.audit.append({ actor, action: 'site.add', target: name, details: { url: url.toString(), username: input.username, fingerprint: pinned } });
      return siteId;
    });
    if (this.alwaysOn) await this.startWatch(name);
    return {
      id,
      name,
      url: url.toString(),
      username: input.username,
      fingerprint: pinned,
      vcenter: { fullName: about.fullName, version: about.version, build: about.build, instanceUuid: about.instanceUuid },
    };
  }

  async sync(input: CommandParsedInput<'inventory.sync'>, actor: string): Promise<SyncResult> {
    const site = await this.site(input.site);
    if (this.syncing.has(site.id)) throw new OutpostError('CONFLICT', `A sync of ${site.name} is already running.`, { site: site.name });
    this.syncing.add(site.id);
    let session: VsphereSession | null = null;
    try {
      session = await this.connect(site);
      const onSyncProgress = this.o.notify?.onSyncProgress;
      const result = await fullSync(session, this.store, site.id, {
        ...(input.pageSize ? { pageSize: input.pageSize } : {}),
        ...(onSyncProgress ? { onProgress: (p) => onSyncProgress({ site: site.name, ...p }) } : {}),
      });
      await this.o.audit.append({ actor, action: 'inventory.sync', target: site.name, details: { counts: result.counts, removed: result.removed, elapsedMs: result.elapsedMs } });
      return { site: site.name, ...result };
    } catch (err) {
      await this.store.recordError(site.id, toContractError(err));
      throw err;
    } finally {
      this.syncing.delete(site.id);
      await session?.logout();
    }
  }

  /**
   * Removes a site: its watcher stops, every live inventory row of it is marked removed (rows stay
   * for audit, like objects vCenter dropped), its stored password is deleted from the vault, and
   * the site row is kept, marked removed and renamed "NAME (removed TIME)" so the name can be used
   * again. Refused while a sync of it runs or while it has enrolled VMs (offboard them first).
   */
  async removeSite(siteName: string, actor: string): Promise<SiteRemoved> {
    const site = await this.site(siteName);
    if (this.syncing.has(site.id)) throw new OutpostError('CONFLICT', `A sync of ${site.name} is running; remove the site when it has finished.`, { site: site.name });
    const n = await this.o.enrolledVms(site.id);
    if (n > 0) throw new OutpostError('CONFLICT', `${site.name} has ${n} enrolled VM${n === 1 ? '' : 's'}; offboard ${n === 1 ? 'it' : 'them'} before removing the site.`, { site: site.name, enrolled: n });
    if (this.watchers.has(site.name)) await this.stopWatch(site.name);
    const now = new Date().toISOString();
    const markedRemoved = await atomically(this.o.db, async () => {
      const counts = await this.store.removeSite(site.id, now);
      await this.sites.markRemoved(site.id, site.name, now);
      if (site.credentialId !== null) await this.o.credentials.remove(site.credentialId);
      await this.o.audit.append({ actor, action: 'site.remove', target: site.name, details: { url: site.url, username: site.username, markedRemoved: counts } });
      return counts;
    });
    return { site: site.name, removedAt: now, markedRemoved };
  }

  async startWatch(siteName: string): Promise<WatchStatusSummary> {
    const site = await this.site(siteName);
    let watcher = this.watchers.get(site.name);
    // A failed watcher still retries (at its cap): only a stopped one is replaced.
    if (!watcher || watcher.current.state === 'stopped') {
      const name = site.name;
      // Tuning and listeners are read at each call, so a caller may set watchTuning after the
      // always-on index started the watchers (serve attaches its log that way).
      watcher = new InventoryWatcher({
        siteId: site.id,
        store: this.store,
        events: this.events,
        connect: async () => this.connect(await this.site(name)),
        tuning: () => this.watchTuning,
        onApplied: (changes: readonly AppliedChange[]) => {
          this.o.notify?.onApplied?.(name, changes);
          this.watchTuning.onApplied?.(name, changes);
        },
        onStatus: (status: WatchStatus) => {
          if (this.ownsStatus) void this.events.writeStatus(site.id, status, process.pid, new Date().toISOString()).catch(() => undefined); // a status row is advisory
          this.o.notify?.onStatus?.(name, status);
          this.watchTuning.onStatus?.(name, status);
        },
        onEvents: (events: readonly RecordedEvent[]) => {
          this.o.notify?.onEvents?.(name, events);
          this.watchTuning.onEvents?.(name, events);
        },
      });
      this.watchers.set(name, watcher);
      watcher.start();
    }
    return watchSummary(site.name, watcher.current);
  }

  async stopWatch(siteName: string): Promise<WatchStatusSummary> {
    const site = await this.site(siteName);
    const watcher = this.watchers.get(site.name);
    if (!watcher) throw new OutpostError('NOT_FOUND', `Site ${site.name} is not being watched.`);
    await watcher.stop();
    this.watchers.delete(site.name);
    return watchSummary(site.name, watcher.current);
  }

  watchStatus(): WatchStatusSummary[] {
    return [...this.watchers].map(([name, w]) => watchSummary(name, w.current));
  }

  /** Waits until a site's watcher is current (tests, CLI progress). */
  watcher(siteName: string): InventoryWatcher | undefined {
    return this.watchers.get(siteName);
  }

  async listVms(q: CommandParsedInput<'vms.list'>): Promise<VmSummary[]> {
    if (q.site) await this.site(q.site);
    return await searchVms(this.o.db, q);
  }

  async countVms(q: CommandParsedInput<'vms.count'>): Promise<{ total: number }> {
    if (q.site) await this.site(q.site);
    return { total: await countVms(this.o.db, q) };
  }

  /** The name of a VM by moref as last synced, or null when it is not in the inventory. */
  async vmName(moref: string): Promise<string | null> {
    return await this.store.vmName(moref);
  }

  async power(input: CommandParsedInput<'vm.power'>, actor: string): Promise<CommandOutput<'vm.power'>> {
    const site = await this.site(input.site);
    const vm = await this.resolveVm(site, input.vm);
    const session = await this.connect(site);
    try {
      const powerState = await changePower(session, { type: 'VirtualMachine', value: vm.moref }, input.action);
      // The watcher would bring this too; a CLI without a watcher should see it at once.
      await this.store.setPowerState(site.id, vm.moref, powerState, new Date().toISOString());
      // The watcher will find nothing new to announce after this write: announce it here.
      this.o.notify?.onApplied?.(site.name, [{ kind: 'modify', type: 'VirtualMachine', moref: vm.moref, at: performance.now() }]);
      await this.o.audit.append({ actor, action: 'vm.power', target: `${site.name}/${vm.name}`, details: { action: input.action, moref: vm.moref, powerState } });
      return { site: site.name, vm: vm.name, moref: vm.moref, powerState };
    } catch (err) {
      await this.o.audit.append({ actor, action: 'vm.power', target: `${site.name}/${vm.name}`, outcome: 'failed', details: { action: input.action, moref: vm.moref, error: toContractError(err).code } });
      throw err;
    } finally {
      await session.logout();
    }
  }

  /** For a synchronous shutdown (core.close): drop every watcher's connection at once. */
  async abandon(): Promise<void> {
    this.stopHeartbeat();
    for (const w of this.watchers.values()) w.abandon();
    await this.writeStatuses(); // 'stopped': another process shows the site as not indexed, not as stale
    this.watchers.clear();
  }

  async close(): Promise<void> {
    this.stopHeartbeat();
    await Promise.all([...this.watchers.values()].map((w) => w.stop()));
    this.watchers.clear();
  }

  private stopHeartbeat(): void {
    this.alwaysOn = false;
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }

  private async site(name: string): Promise<StoredSite> {
    return await storedSite(this.o.db, name);
  }

  private async resolveVm(site: StoredSite, vm: string): Promise<{ moref: string; name: string }> {
    return await storedVm(this.o.db, site, vm);
  }

  private async connect(site: StoredSite): Promise<VsphereSession> {
    return await connectSite(this.o.db, this.o.credentials, site);
  }
}

/** A watcher status as the contract gives it (commands and the inventory.watch event). */
export function watchSummary(site: string, s: WatchStatus): WatchStatusSummary {
  return {
    site,
    state: s.state,
    version: s.version,
    syncs: s.syncs,
    reconnects: s.reconnects,
    lastChangeAt: s.lastChangeAt,
    lastError: s.lastError ? { code: s.lastError.code, message: s.lastError.message } : null,
    retryAt: s.retryAt,
    lastEventAt: s.lastEventAt,
    lagMs: s.lagMs,
  };
}
