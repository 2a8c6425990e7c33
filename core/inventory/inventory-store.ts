// Owns tables: inventory_objects, inv_datacenters, inv_clusters, inv_hosts, inv_networks, inv_datastores, inv_vms, inv_vms_fts.
import { z } from 'zod';
import type { CommandParsedInput } from '../contract/commands.js';
import type { VmSummary } from '../contract/inventory.js';
import { vmSearchWords } from '../contract/vm-search-text.js';
import { atomically, inList, type Sql } from '../db/sql.js';
import { SiteStore } from '../sites/site-store.js';
import { TABLES, type InventoryKind, type InventoryRow } from './inventory-properties.js';

/** The data columns of each table (besides site_id, moref and the bookkeeping columns). */
const COLUMNS: Record<InventoryKind, readonly string[]> = {
  datacenter: ['name'],
  cluster: ['name', 'datacenter_moref'],
  host: ['name', 'cluster_moref', 'datacenter_moref', 'version', 'build', 'connection_state', 'maintenance', 'power_state', 'cpu_model', 'cpu_cores', 'cpu_mhz', 'memory_bytes', 'cpu_usage_mhz', 'memory_usage_mb', 'uptime_seconds'],
  network: ['name', 'kind', 'datacenter_moref'],
  datastore: ['name', 'type', 'capacity_bytes', 'free_bytes', 'accessible', 'datacenter_moref', 'uncommitted_bytes', 'url'],
  vm: [
    'name',
    'uuid',
    'instance_uuid',
    'guest_id',
    'guest_full_name',
    'power_state',
    'host_moref',
    'ip_address',
    'ip_addresses',
    'guest_hostname',
    'tools_running_status',
    'num_cpu',
    'memory_mb',
    'annotation',
    'folder_path',
    // 013-inventory-details
    'resource_pool',
    'hw_version',
    'tools_version',
    'tools_version_status',
    'cpu_usage_mhz',
    'guest_memory_usage_mb',
    'host_memory_usage_mb',
    'uptime_seconds',
    'boot_time',
    'provisioned_bytes',
    'used_bytes',
    'disk_count',
    'disk_capacity_bytes',
    'nic_count',
    'snapshot_count',
    'snapshot_oldest',
    'disks',
    'nics',
    'snapshots',
    'custom_attributes',
  ],
};

const KINDS = Object.keys(TABLES) as InventoryKind[];

/** Rows per multi-row upsert on PostgreSQL: 500 VMs x 40 parameters stays far below its 65,535. */
const UPSERT_CHUNK = 500;

/** Counts of live objects per kind. */
export type InventoryCounts = Record<'datacenters' | 'clusters' | 'hosts' | 'networks' | 'datastores' | 'vms', number>;

/** The counts field of each kind. */
export const COUNT_KEYS: Record<InventoryKind, keyof InventoryCounts> = {
  datacenter: 'datacenters',
  cluster: 'clusters',
  host: 'hosts',
  network: 'networks',
  datastore: 'datastores',
  vm: 'vms',
};

/**
 * The inventory tables' SQL. An upsert refreshes seen_run always but moves updated_at only when a
 * data column really changed, and brings a removed object back to life if vCenter has it again.
 * Returns whether anything changed so watchers report only real changes.
 */
export class InventoryStore {
  private readonly upserts: Record<InventoryKind, string>;
  private readonly removes: Record<InventoryKind, string>;
  private readonly sweeps: Record<InventoryKind, string>;
  private readonly sites: SiteStore;
  private readonly multiUpserts = new Map<string, string>();

  constructor(private readonly db: Sql) {
    this.sites = new SiteStore(db);
    const build = <T>(f: (kind: InventoryKind, table: string, cols: readonly string[]) => T): Record<InventoryKind, T> =>
      Object.fromEntries(KINDS.map((k) => [k, f(k, TABLES[k], COLUMNS[k])])) as Record<InventoryKind, T>;
    this.upserts = build((_, table, cols) => {
      // The stored row's columns are named with the table: PostgreSQL finds a bare name ambiguous beside excluded.
      const changed = [...cols.map((c) => `${table}.${c} IS DISTINCT FROM excluded.${c}`), `${table}.removed_at IS NOT NULL`].join(' OR ');
      // Positional parameters (site_id, moref, columns, seen_run, now x3): binding an array is ~10%
      // cheaper per row than named parameters, and a full sync writes tens of thousands of rows.
      return `INSERT INTO ${table} (site_id, moref, ${cols.join(', ')}, seen_run, first_seen_at, updated_at, removed_at)
         VALUES (?, ?, ${cols.map(() => '?').join(', ')}, ?, ?, ?, NULL)
         ON CONFLICT (site_id, moref) DO UPDATE SET
           ${cols.map((c) => `${c} = excluded.${c}`).join(', ')},
           seen_run = excluded.seen_run,
           updated_at = CASE WHEN ${changed} THEN excluded.updated_at ELSE ${table}.updated_at END,
           removed_at = NULL
         RETURNING updated_at = ? AS changed`;
    });
    this.removes = build((_, table) => `UPDATE ${table} SET removed_at = @now, updated_at = @now WHERE site_id = @site_id AND moref = @moref AND removed_at IS NULL`);
    this.sweeps = build((_, table) => `UPDATE ${table} SET removed_at = @now, updated_at = @now WHERE site_id = @site_id AND removed_at IS NULL AND seen_run < @run`);
  }

  /** Runs `work` (several upserts, a sweep) as one transaction: a page or an update set lands whole or not at all. */
  async batch<T>(work: () => Promise<T>): Promise<T> {
    return await atomically(this.db, work);
  }

  /** Starts a sync run; rows not seen by a completed run are then marked removed. */
  async beginRun(siteId: number): Promise<number> {
    return await this.sites.nextSyncRun(siteId);
  }

  /** Upserts one object; true when a stored value changed (or the row is new). */
  async upsert(siteId: number, run: number, kind: InventoryKind, row: InventoryRow, now: string): Promise<boolean> {
    const params: (string | number | null)[] = [siteId, row['moref'] ?? null];
    for (const c of COLUMNS[kind]) params.push(row[c] ?? null);
    params.push(run, now, now, now);
    return (await this.db.get(this.upserts[kind], params, changedRow))?.changed === 1;
  }

  /**
   * Upserts many objects of one kind (a sync page); how many changed. SQLite answers each
   * statement in-process, so it keeps one prepared upsert per row. On PostgreSQL every statement
   * is a network round trip, which made a 10,000-VM sync 4.3x slower than SQLite: there one
   * statement writes up to UPSERT_CHUNK rows (multi-row VALUES, same ON CONFLICT rule).
   */
  async upsertMany(siteId: number, run: number, kind: InventoryKind, rows: readonly InventoryRow[], now: string): Promise<number> {
    let changed = 0;
    if (this.db.engine !== 'postgres') {
      for (const row of rows) if (await this.upsert(siteId, run, kind, row, now)) changed++;
      return changed;
    }
    for (let at = 0; at < rows.length; at += UPSERT_CHUNK) {
      const chunk = rows.slice(at, at + UPSERT_CHUNK);
      // One INSERT ... ON CONFLICT may not touch a row twice: a moref repeated in a chunk goes row by row.
      if (new Set(chunk.map((r) => r['moref'])).size !== chunk.length) {
        for (const row of chunk) if (await this.upsert(siteId, run, kind, row, now)) changed++;
        continue;
      }
      const params: (string | number | null)[] = [];
      for (const row of chunk) {
        params.push(siteId, row['moref'] ?? null);
        for (const c of COLUMNS[kind]) params.push(row[c] ?? null);
        params.push(run, now, now);
      }
      params.push(now);
      const flags = await this.db.all(this.multiUpsert(kind, chunk.length), params, changedRow);
      changed += flags.filter((f) => f.changed === 1).length;
    }
    return changed;
  }

  /** The upsert of `n` rows in one statement (PostgreSQL only; the texts are cached per size). */
  private multiUpsert(kind: InventoryKind, n: number): string {
    const key = `${kind}:${n}`;
    const cached = this.multiUpserts.get(key);
    if (cached) return cached;
    const one = this.upserts[kind];
    const tuple = `(?, ?, ${COLUMNS[kind].map(() => '?').join(', ')}, ?, ?, ?, NULL)`;
    const single = `VALUES ${tuple}`;
    if (!one.includes(single)) throw new Error('inventory upsert text changed');
    const text = one.replace(single, `VALUES ${Array.from({ length: n }, () => tuple).join(',\n')}`);
    this.multiUpserts.set(key, text);
    return text;
  }

  async markRemoved(siteId: number, kind: InventoryKind, moref: string, now: string): Promise<boolean> {
    return (await this.db.run(this.removes[kind], { site_id: siteId, moref, now })).changes > 0;
  }

  /** Marks removed every live row the run did not see; returns how many. */
  async sweep(siteId: number, run: number, now: string): Promise<number> {
    let n = 0;
    for (const k of KINDS) n += (await this.db.run(this.sweeps[k], { site_id: siteId, run, now })).changes;
    return n;
  }

  /** Marks every live object of a site removed (the site is being removed); counts per kind. */
  async removeSite(siteId: number, now: string): Promise<InventoryCounts> {
    const counts = { datacenters: 0, clusters: 0, hosts: 0, networks: 0, datastores: 0, vms: 0 };
    for (const k of KINDS) {
      counts[COUNT_KEYS[k]] = (await this.db.run(`UPDATE ${TABLES[k]} SET removed_at = ?, updated_at = ? WHERE site_id = ? AND removed_at IS NULL`, [now, now, siteId])).changes;
    }
    return counts;
  }

  async counts(siteId: number): Promise<InventoryCounts> {
    const counts = { datacenters: 0, clusters: 0, hosts: 0, networks: 0, datastores: 0, vms: 0 };
    for (const k of KINDS) {
      counts[COUNT_KEYS[k]] = (await this.db.get(`SELECT count(*) AS n FROM ${TABLES[k]} WHERE site_id = ? AND removed_at IS NULL`, [siteId], countRow))!.n;
    }
    return counts;
  }

  /** The VM count of the last complete sync, or null before the first one. */
  async lastSyncedVms(siteId: number): Promise<number | null> {
    if (!await this.sites.lastSyncAt(siteId)) return null;
    return (await this.db.get('SELECT count(*) AS n FROM inv_vms WHERE site_id = ? AND removed_at IS NULL', [siteId], countRow))!.n;
  }

  async finishSync(siteId: number, ms: number, now: string): Promise<void> {
    await this.sites.recordSyncDone(siteId, ms, now);
  }

  async recordError(siteId: number, error: { code: string; message: string }): Promise<void> {
    await this.sites.recordSyncError(siteId, error);
  }

  /** Live VMs of a site whose name, moref, BIOS UUID or instance UUID is `ref`. */
  async vmsByRef(siteId: number, ref: string): Promise<{ moref: string; name: string }[]> {
    return await this.db.all(
      'SELECT moref, name FROM inv_vms WHERE site_id = ? AND removed_at IS NULL AND (name = ? OR moref = ? OR uuid = ? OR instance_uuid = ?)',
      [siteId, ref, ref, ref, ref],
      z.object({ moref: z.string(), name: z.string() }),
    );
  }

  /** Live VMs of a site whose name, moref, BIOS UUID or instance UUID is `ref`, with their guest details. */
  async vmDetailsByRef(siteId: number, ref: string): Promise<InventoryVmDetails[]> {
    return (await this.db
      .all(`${VM_DETAILS_SELECT} WHERE v.site_id = ? AND v.removed_at IS NULL AND (v.name = ? OR v.moref = ? OR v.uuid = ? OR v.instance_uuid = ?)`, [siteId, ref, ref, ref, ref], vmDetailsRow))
      .map(toVmDetails);
  }

  /** A live VM of a site by moref, or null. */
  async vmDetails(siteId: number, moref: string): Promise<InventoryVmDetails | null> {
    const row = await this.db.get(`${VM_DETAILS_SELECT} WHERE v.site_id = ? AND v.moref = ? AND v.removed_at IS NULL`, [siteId, moref], vmDetailsRow);
    return row ? toVmDetails(row) : null;
  }

  /** Live clusters of a site with this name (morefs). */
  async clusterMorefs(siteId: number, name: string): Promise<string[]> {
    return (await this.db.all('SELECT moref FROM inv_clusters WHERE site_id = ? AND name = ? AND removed_at IS NULL', [siteId, name], z.object({ moref: z.string() }))).map((r) => r.moref);
  }

  /** Live hosts of a site by name, with their cluster. */
  async hostsNamed(siteId: number, names: readonly string[]): Promise<{ moref: string; name: string; clusterMoref: string | null }[]> {
    return (await this.db
      .all(
        `SELECT moref, name, cluster_moref FROM inv_hosts WHERE site_id = ? AND removed_at IS NULL AND name IN ${inList(names)}`,
        [siteId, ...names],
        z.object({ moref: z.string(), name: z.string(), cluster_moref: z.string().nullable() }),
      ))
      .map((r) => ({ moref: r.moref, name: r.name, clusterMoref: r.cluster_moref }));
  }

  /** The cluster of a live host: undefined when the host is not in the inventory, null when standalone. */
  async hostCluster(siteId: number, hostMoref: string): Promise<string | null | undefined> {
    const row = await this.db.get('SELECT cluster_moref FROM inv_hosts WHERE site_id = ? AND moref = ? AND removed_at IS NULL', [siteId, hostMoref], z.object({ cluster_moref: z.string().nullable() }));
    return row ? row.cluster_moref : undefined;
  }

  /** Live hosts of a cluster, or the named morefs, with their cluster's name ('' when standalone). */
  async hostsWithCluster(siteId: number, which: { clusterMoref?: string | undefined; morefs?: readonly string[] | undefined }): Promise<{ moref: string; name: string; cluster: string }[]> {
    const row = z.object({ moref: z.string(), name: z.string(), cluster: z.string() });
    const from = `SELECT h.moref, h.name, coalesce(c.name, '') AS cluster FROM inv_hosts h LEFT JOIN inv_clusters c ON c.site_id = h.site_id AND c.moref = h.cluster_moref`;
    return which.clusterMoref
      ? await this.db.all(`${from} WHERE h.site_id = ? AND h.cluster_moref = ? AND h.removed_at IS NULL ORDER BY h.name`, [siteId, which.clusterMoref], row)
      : await this.db.all(`${from} WHERE h.site_id = ? AND h.removed_at IS NULL AND h.moref IN ${inList(which.morefs ?? [])} ORDER BY h.name`, [siteId, ...(which.morefs ?? [])], row);
  }

  /** Per host: memory of its powered-on VMs (MB) and how many VMs it runs. */
  async vmLoadByHost(siteId: number): Promise<Map<string | null, { mem: number; n: number }>> {
    const rows = await this.db.all(
      `SELECT host_moref, sum(CASE WHEN power_state = 'poweredOn' THEN coalesce(memory_mb, 0) ELSE 0 END) AS mem, count(*) AS n FROM inv_vms WHERE site_id = ? AND removed_at IS NULL GROUP BY host_moref`,
      [siteId],
      z.object({ host_moref: z.string().nullable(), mem: z.number(), n: z.number() }),
    );
    return new Map(rows.map((r) => [r.host_moref, { mem: r.mem, n: r.n }]));
  }

  /** Live hosts of a site with their cluster's name, version and build (the Ansible inventory's facts). */
  async hostFacts(siteId: number): Promise<{ name: string; version: string | null; build: string | null; cluster: string | null }[]> {
    return await this.db.all(
      `SELECT h.name, h.version, h.build, c.name AS cluster FROM inv_hosts h
       LEFT JOIN inv_clusters c ON c.site_id = h.site_id AND c.moref = h.cluster_moref AND c.removed_at IS NULL
       WHERE h.site_id = ? AND h.removed_at IS NULL ORDER BY h.name`,
      [siteId],
      z.object({ name: z.string(), version: z.string().nullable(), build: z.string().nullable(), cluster: z.string().nullable() }),
    );
  }

  /** The name of a VM by moref (any site, removed ones too), or null. */
  async vmName(moref: string): Promise<string | null> {
    return (await this.db.get('SELECT name FROM inv_vms WHERE moref = ? LIMIT 1', [moref], z.object({ name: z.string() })))?.name ?? null;
  }

  /** Records a power state Outpost itself just set (the watcher would bring it later). */
  async setPowerState(siteId: number, moref: string, powerState: string, now: string): Promise<void> {
    await this.db.run('UPDATE inv_vms SET power_state = ?, updated_at = ? WHERE site_id = ? AND moref = ?', [powerState, now, siteId, moref]);
  }
}

const changedRow = z.object({ changed: z.number() });

/** A synced VM as enrollment and the VM pages need it. */
export interface InventoryVmDetails {
  siteId: number;
  site: string;
  moref: string;
  name: string;
  instanceUuid: string | null;
  guestId: string | null;
  guestFullName: string | null;
  powerState: string | null;
  toolsRunningStatus: string | null;
  ipAddress: string | null;
  ipAddresses: string[];
}

const vmDetailsRow = z.object({
  site_id: z.number(),
  site: z.string(),
  moref: z.string(),
  name: z.string(),
  instance_uuid: z.string().nullable(),
  guest_id: z.string().nullable(),
  guest_full_name: z.string().nullable(),
  power_state: z.string().nullable(),
  tools_running_status: z.string().nullable(),
  ip_address: z.string().nullable(),
  ip_addresses: z.string().nullable(),
});

const toVmDetails = (r: z.infer<typeof vmDetailsRow>): InventoryVmDetails => ({
  siteId: r.site_id,
  site: r.site,
  moref: r.moref,
  name: r.name,
  instanceUuid: r.instance_uuid,
  guestId: r.guest_id,
  guestFullName: r.guest_full_name,
  powerState: r.power_state,
  toolsRunningStatus: r.tools_running_status,
  ipAddress: r.ip_address,
  ipAddresses: (r.ip_addresses ?? '').split(' ').filter(Boolean),
});

const VM_DETAILS_SELECT = `SELECT v.site_id, s.name AS site, v.moref, v.name, v.instance_uuid, v.guest_id, v.guest_full_name, v.power_state, v.tools_running_status, v.ip_address, v.ip_addresses
  FROM inv_vms v JOIN sites s ON s.id = v.site_id`;
const countRow = z.object({ n: z.number() });

const vmListRow = z.object({
  site: z.string(),
  moref: z.string(),
  name: z.string(),
  uuid: z.string().nullable(),
  instance_uuid: z.string().nullable(),
  power_state: z.string().nullable(),
  guest_id: z.string().nullable(),
  guest_full_name: z.string().nullable(),
  ip_address: z.string().nullable(),
  ip_addresses: z.string().nullable(),
  guest_hostname: z.string().nullable(),
  tools_running_status: z.string().nullable(),
  host: z.string().nullable(),
  num_cpu: z.number().nullable(),
  memory_mb: z.number().nullable(),
  annotation: z.string().nullable(),
  folder_path: z.string().nullable(),
  updated_at: z.string(),
  removed_at: z.string().nullable(),
});

// The VM search over inv_vms and its FTS index (inventory owns both); it reads the site's name
// and the CMDB's enrolled flag in the same query so a page of 200 rows costs one statement.

const SEARCHED_COLUMNS = ['name', 'ip_addresses', 'guest_hostname', 'guest_full_name', 'guest_id'] as const;

/** A LIKE pattern that finds `word` anywhere: its own %, _ and \ are literal. */
const containsPattern = (word: string): string => `%${word.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * The text search of a VM filter (semantics: core/contract/vm-search-text.ts): every word a
 * substring of one searched column, ignoring case. This is the one place that knows how the
 * store finds substrings, so an engine without FTS5 swaps only this (PostgreSQL: pg_trgm + ILIKE).
 * Words of 3+ characters go to the trigram index (migration 016) as quoted phrases, so FTS5
 * syntax in the input (AND, NEAR, *, ^, column:) is plain text; shorter words, which a trigram
 * index cannot look up, are checked per row with LIKE (escaped, so % and _ are literal).
 */
export function vmTextMatch(query: string): { fts: string | null; conditions: string[]; params: Record<string, string> } {
  const long: string[] = [];
  const conditions: string[] = [];
  const params: Record<string, string> = {};
  for (const word of vmSearchWords(query, { keepCase: true })) {
    if ([...word].length >= 3) {
      long.push(`"${word.replace(/"/g, '""')}"`);
      continue;
    }
    // SQLite's LIKE ignores case for ASCII only: a 1-2 letter non-ASCII word matches as typed.
    const name = `w${conditions.length}`;
    params[name] = containsPattern(word);
    conditions.push(`(${SEARCHED_COLUMNS.map((c) => `v.${c} LIKE @${name} ESCAPE '\\'`).join(' OR ')})`);
  }
  return { fts: long.length ? long.join(' ') : null, conditions, params };
}

/** The filter part of vms.list / vms.count. */
export type VmFilter = Pick<CommandParsedInput<'vms.list'>, 'site' | 'query' | 'powerState' | 'toolsStatus' | 'enrolled' | 'includeRemoved'>;

/** A VM is enrolled while a CMDB record (migration 008) for its site and moref, or instance UUID, is not offboarded. */
const ENROLLED_SQL = `EXISTS (SELECT 1 FROM cmdb_records c WHERE c.site_id = v.site_id AND c.offboarded_at IS NULL
            AND (c.vm_moref = v.moref OR (c.instance_uuid IS NOT NULL AND c.instance_uuid = v.instance_uuid)))`;

/**
 * The ids of matching VMs as a FROM clause. A search walks the FTS index in rowid order joined to
 * the rows (other filters checked per row), so `LIMIT n` stops after n matches: a one-letter
 * search over 50,000 VMs costs a few ms. Sorting every match by name first cost 15-50 ms there.
 */
function matching(db: Sql, q: VmFilter): { from: string; order: string | null; params: Record<string, string | number> } {
  const w = where(db, q);
  if (db.engine === 'postgres' && vmSearchWords(q.query ?? '').length > 0) return pgMatching(w, q.query ?? '', 'offset' in q && q.offset !== undefined);
  if (w.match === null) return { from: `inv_vms v ${w.sql}`, order: 'v.name, v.id', params: w.params };
  const rest = w.sql ? ` AND ${w.sql.slice('WHERE '.length)}` : '';
  return { from: `inv_vms_fts f JOIN inv_vms v ON v.id = f.rowid WHERE inv_vms_fts MATCH @match${rest}`, order: 'f.rowid', params: { ...w.params, match: w.match } };
}

/**
 * PostgreSQL has no FTS5: migration 021 stores the searched columns, lower-cased and joined, as
 * inv_vms.search_text with a pg_trgm index, and a search requires every word as a substring of it.
 * No ORDER BY before the LIMIT: ordering by id made the planner walk the primary key and test
 * every row when few match (a word found nowhere cost ~200 ms at 50,000 VMs). Unordered, it
 * takes the trigram index for a rare word and a scan that stops after `limit` hits for a common
 * one; words under 3 characters (no trigram) are checked on the stored column in that scan.
 * Which `limit` matches come first is then the table's order, as it is the index's on SQLite.
 */
function pgMatching(w: { sql: string; params: Record<string, string | number> }, query: string, paged: boolean): { from: string; order: string | null; params: Record<string, string | number> } {
  const params = { ...w.params };
  const parts = w.sql ? [w.sql.slice('WHERE '.length)] : [];
  vmSearchWords(query, { keepCase: true }).forEach((word, i) => {
    params[`term${i}`] = containsPattern(word.toLowerCase());
    // `~~` is PostgreSQL's case-sensitive LIKE (backslash escapes by default): the engine turns the
    // word LIKE into ILIKE, which lower-cases every row again and was ~10x slower on a scan.
    parts.push(`v.search_text ~~ @term${i}`);
  });
  // Pages (an offset given, 0 too) need one order to partition the matches: by id then.
  return { from: `inv_vms v WHERE ${parts.join(' AND ')}`, order: paged ? 'v.id' : null, params };
}

function where(db: Sql, q: VmFilter): { sql: string; params: Record<string, string | number>; match: string | null } {
  const parts: string[] = [];
  const params: Record<string, string | number> = {};
  if (q.site) {
    parts.push('v.site_id = (SELECT id FROM sites WHERE name = @site AND removed_at IS NULL)');
    params['site'] = q.site;
  }
  if (!q.includeRemoved) parts.push('v.removed_at IS NULL');
  if (q.powerState) {
    parts.push('v.power_state = @power');
    params['power'] = q.powerState;
  }
  if (q.toolsStatus === 'unknown') parts.push('v.tools_running_status IS NULL');
  else if (q.toolsStatus) {
    parts.push('v.tools_running_status = @tools');
    params['tools'] = q.toolsStatus;
  }
  if (q.enrolled !== undefined) parts.push(`${q.enrolled ? '' : 'NOT '}${ENROLLED_SQL}`);
  const text = vmTextMatch(q.query ?? '');
  // PostgreSQL checks every word, short ones too, on its stored search text (pgMatching).
  if (db.engine !== 'postgres') parts.push(...text.conditions);
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params: { ...params, ...text.params }, match: text.fts };
}

/**
 * Runs a search statement planned for its own words. PostgreSQL's engine keeps statements
 * prepared, and after five runs the server may switch to one generic plan that cannot see the
 * pattern: it chose a full scan for rare words too (~170 ms at 50,000 VMs against ~2 ms by the
 * trigram index). set_config(..., true) lasts to the end of this (or the enclosing) transaction.
 */
async function customPlan<T>(db: Sql, work: () => Promise<T>): Promise<T> {
  if (db.engine !== 'postgres') return await work();
  return await db.transaction(async (tx) => {
    await tx.get("SELECT set_config('plan_cache_mode', 'force_custom_plan', true) AS v", [], z.object({ v: z.string() }));
    return await work();
  });
}

/**
 * Up to `limit` matching VMs, sorted by name: without a search the first ones by name, with a
 * search the first matches in the index (see matching). Only the chosen ids are joined to their
 * site and host.
 */
export async function searchVms(db: Sql, q: CommandParsedInput<'vms.list'>): Promise<VmSummary[]> {
  const m = matching(db, q);
  const rows = await customPlan(db, () => db.all(
      `SELECT s.name AS site, v.moref, v.name, v.uuid, v.instance_uuid, v.power_state, v.guest_id, v.guest_full_name,
              v.ip_address, v.ip_addresses, v.guest_hostname, v.tools_running_status, h.name AS host, v.num_cpu,
              v.memory_mb, v.annotation, v.folder_path, v.updated_at, v.removed_at
       FROM (SELECT v.id FROM ${m.from}${m.order ? ` ORDER BY ${m.order}` : ''} LIMIT @limit OFFSET @offset) hit
       JOIN inv_vms v ON v.id = hit.id
       JOIN sites s ON s.id = v.site_id
       LEFT JOIN inv_hosts h ON h.site_id = v.site_id AND h.moref = v.host_moref
       ORDER BY v.name, v.id`,
      { ...m.params, limit: q.limit, offset: q.offset ?? 0 },
      vmListRow,
    ));
  return rows.map((r) => ({
    site: r.site,
    moref: r.moref,
    name: r.name,
    uuid: r.uuid,
    instanceUuid: r.instance_uuid,
    powerState: r.power_state,
    guestId: r.guest_id,
    guestFullName: r.guest_full_name,
    ipAddress: r.ip_address,
    ipAddresses: r.ip_addresses ? r.ip_addresses.split(' ') : [],
    hostName: r.guest_hostname,
    toolsRunningStatus: r.tools_running_status,
    host: r.host,
    numCpu: r.num_cpu,
    memoryMB: r.memory_mb,
    annotation: r.annotation,
    folderPath: r.folder_path,
    updatedAt: r.updated_at,
    removedAt: r.removed_at,
  }));
}

/** How many VMs match a filter (the table shows "200 of 48,123"). */
export async function countVms(db: Sql, q: VmFilter): Promise<number> {
  const m = matching(db, q);
  return (await customPlan(db, () => db.get(`SELECT count(*) AS n FROM ${m.from}`, m.params, z.object({ n: z.number() }))))!.n;
}
