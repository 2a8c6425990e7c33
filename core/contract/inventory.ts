import { z } from 'zod';
import { siteName } from './names.js';
import type { CommandSpec } from './command-spec.js';

/** A certificate as the operator is shown it before trusting it. */
export const certificateSummarySchema = z.object({
  fingerprint: z.string(),
  subject: z.string(),
  issuer: z.string(),
  validFrom: z.string(),
  validTo: z.string(),
});
export type CertificateSummary = z.infer<typeof certificateSummarySchema>;

const empty = z.object({}).strict();

export const addedSiteSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  url: z.string(),
  username: z.string(),
  /** The pinned certificate fingerprint, or null when the certificate chains to a trusted CA. */
  fingerprint: z.string().nullable(),
  vcenter: z.object({ fullName: z.string(), version: z.string(), build: z.string(), instanceUuid: z.string() }),
});
export type AddedSite = z.infer<typeof addedSiteSchema>;

export const inventoryCountsSchema = z.object({
  datacenters: z.number().int(),
  clusters: z.number().int(),
  hosts: z.number().int(),
  networks: z.number().int(),
  datastores: z.number().int(),
  vms: z.number().int(),
});
export type InventoryCounts = z.infer<typeof inventoryCountsSchema>;

export const syncResultSchema = z.object({
  site: z.string(),
  counts: inventoryCountsSchema,
  removed: z.number().int(),
  pages: z.number().int(),
  elapsedMs: z.number(),
});
export type SyncResult = z.infer<typeof syncResultSchema>;

export const powerStateSchema = z.enum(['poweredOn', 'poweredOff', 'suspended']);

export const vmSummarySchema = z.object({
  site: z.string(),
  moref: z.string(),
  name: z.string(),
  uuid: z.string().nullable(),
  instanceUuid: z.string().nullable(),
  powerState: z.string().nullable(),
  guestId: z.string().nullable(),
  guestFullName: z.string().nullable(),
  ipAddress: z.string().nullable(),
  ipAddresses: z.array(z.string()),
  hostName: z.string().nullable(),
  toolsRunningStatus: z.string().nullable(),
  host: z.string().nullable(),
  numCpu: z.number().int().nullable(),
  memoryMB: z.number().int().nullable(),
  annotation: z.string().nullable(),
  folderPath: z.string().nullable(),
  updatedAt: z.string(),
  removedAt: z.string().nullable(),
});
export type VmSummary = z.infer<typeof vmSummarySchema>;

export const watchStatusSchema = z.object({
  site: z.string(),
  state: z.enum(['connecting', 'syncing', 'watching', 'backoff', 'stopped', 'failed']),
  /** Grows with every state change of the site's watcher: of two statuses the larger is the newer (an answer can arrive after a later event). */
  version: z.number().int(),
  syncs: z.number().int(),
  reconnects: z.number().int(),
  lastChangeAt: z.string().nullable(),
  lastError: z.object({ code: z.string(), message: z.string() }).nullable(),
  /** In backoff or failed: when the next attempt starts. */
  retryAt: z.string().nullable(),
  /** vCenter's time of the last event stored, and how long after it Outpost stored it (ms). */
  lastEventAt: z.string().nullable(),
  lagMs: z.number().nullable(),
});
export type WatchStatusSummary = z.infer<typeof watchStatusSchema>;

/**
 * Where a site's always-on index stands, as the indexing process (desktop app, host or `outpost
 * serve`, maybe another process) last wrote it. `stale`: that process stopped writing (died).
 */
export const indexStatusSchema = watchStatusSchema.pick({ state: true, retryAt: true, lastChangeAt: true, lastEventAt: true, lagMs: true, lastError: true }).extend({
  pid: z.number().int(),
  heartbeatAt: z.string(),
  stale: z.boolean(),
});
export type IndexStatus = z.infer<typeof indexStatusSchema>;

/** One vCenter event as stored (text fields are vCenter's, untrusted: show them escaped). */
export const vcenterEventSchema = z.object({
  id: z.number().int(),
  site: z.string(),
  key: z.number().int(),
  type: z.string(),
  createdAt: z.string(),
  recordedAt: z.string(),
  userName: z.string().nullable(),
  vmMoref: z.string().nullable(),
  vmName: z.string().nullable(),
  hostMoref: z.string().nullable(),
  hostName: z.string().nullable(),
  message: z.string(),
});
export type VcenterEvent = z.infer<typeof vcenterEventSchema>;

/** What events.list filters on (every given filter must match). */
export const eventFilterSchema = z
  .object({
    site: siteName.optional(),
    /** Exact event type (VmPoweredOffEvent) or a prefix ending in * (Vm*). */
    type: z.string().trim().min(1).max(200).optional(),
    user: z.string().trim().min(1).max(256).optional(),
    /** VM name (substring, case-insensitive) or exact moref. */
    vm: z.string().trim().min(1).max(500).optional(),
    /** Host name (substring, case-insensitive) or exact moref. */
    host: z.string().trim().min(1).max(500).optional(),
    /** Only events vCenter created at or after this ISO time. */
    since: z.iso.datetime({ offset: true }).optional(),
    until: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();
export type EventFilter = z.infer<typeof eventFilterSchema>;

const siteRef = z.object({ site: siteName }).strict();

/** vim25 VirtualMachineToolsRunningStatus, plus "unknown" for VMs vCenter reports none for. */
export const toolsStatusSchema = z.enum(['guestToolsRunning', 'guestToolsNotRunning', 'guestToolsExecutingScripts', 'unknown']);

/** The most VMs one vms.list answers (the Inventory table asks for every VM of an estate of up to this many). */
export const VMS_LIST_MAX = 1_000_000;

/** What vms.list and vms.count filter on. */
export const vmFilterSchema = z.object({
  site: siteName.optional(),
  query: z.string().max(500).optional(),
  powerState: powerStateSchema.optional(),
  toolsStatus: toolsStatusSchema.optional(),
  /** true: only VMs with an active enrollment record; false: only those without. */
  enrolled: z.boolean().optional(),
  includeRemoved: z.boolean().default(false),
});

export const siteRemovedSchema = z.object({
  site: z.string(),
  removedAt: z.string(),
  /** Inventory rows of the site that were live and are now marked removed (kept for audit). */
  markedRemoved: inventoryCountsSchema,
});
export type SiteRemoved = z.infer<typeof siteRemovedSchema>;

/** Where a running full sync stands (event inventory.sync.progress). */
export const syncProgressSchema = z.object({
  site: z.string(),
  phase: z.enum(['structure', 'vms', 'done']),
  /** Rows stored so far in this sync, per kind. */
  counts: inventoryCountsSchema,
  pages: z.number().int(),
  /** VMs the previous complete sync found (an estimate of the total); null on a first sync. */
  expectedVms: z.number().int().nullable(),
  elapsedMs: z.number(),
});
export type SyncProgress = z.infer<typeof syncProgressSchema>;

/** vCenter sites, their inventory and VM operations. Spread into `commands` (commands.ts). */
export const siteSummarySchema = z.object({
  id: z.number().int(),
  name: z.string(),
  url: z.string(),
  username: z.string(),
  lastSyncAt: z.string().nullable(),
  connected: z.boolean(),
  /** The always-on index of the site (null: no process has indexed it yet). */
  index: indexStatusSchema.nullable().optional(),
});
export type SiteSummary = z.infer<typeof siteSummarySchema>;

export const inventoryCommands = {
  'sites.list': {
    summary: 'Configured vCenters',
    input: empty,
    output: z.array(siteSummarySchema),
  },
  'sites.add': {
    summary: 'Add a vCenter: checks its certificate and the login, then stores the password in the vault',
    input: z
      .object({
        name: siteName,
        url: z.string().trim().min(1).max(2048),
        username: z.string().min(1).max(256),
        password: z.string().min(1).max(1024),
        /** The SHA-256 fingerprint (colon hex) the operator checked and trusts; pinned for the site. */
        trustFingerprint: z.string().max(200).optional(),
      })
      .strict(),
    output: addedSiteSchema,
  },
  'inventory.sync': {
    summary: 'Full sync of one site into the local store; counts and elapsed ms',
    input: z.object({ site: siteName, pageSize: z.number().int().min(1).max(10_000).optional() }).strict(),
    output: syncResultSchema,
  },
  'inventory.watch.start': {
    summary: 'Keep a site current (WaitForUpdatesEx + events) until stopped; reconnects by itself',
    input: siteRef,
    output: watchStatusSchema,
  },
  'inventory.watch.stop': {
    summary: 'Stop keeping a site current',
    input: siteRef,
    output: watchStatusSchema,
  },
  'inventory.watch.status': {
    summary: 'The watchers this process runs',
    input: z.object({}).strict(),
    output: z.array(watchStatusSchema),
  },
  'vms.list': {
    summary: 'VMs from the local store (sorted by name): up to limit after skipping offset; query: every word a substring (any case) of name, IPs, guest host name or guest OS; filters',
    input: vmFilterSchema
      .extend({
        limit: z.number().int().min(1).max(VMS_LIST_MAX).default(1000),
        /**
         * Skip this many matches first: the Inventory table asks for its rows page by page. Pages
         * of one filter partition its matches (with a search, in the index's order).
         */
        offset: z.number().int().min(0).max(VMS_LIST_MAX).optional(),
      })
      .strict(),
    output: z.array(vmSummarySchema),
  },
  'vms.count': {
    summary: 'How many VMs match a vms.list filter (without its limit)',
    input: vmFilterSchema.strict(),
    output: z.object({ total: z.number().int() }),
  },
  'sites.remove': {
    summary: 'Remove a vCenter: stops its watcher, marks its inventory removed (rows kept for audit), forgets its password',
    input: siteRef,
    output: siteRemovedSchema,
  },
  'events.list': {
    summary: 'vCenter events stored from every site (who did what, when), newest first; page with before, tail with afterId',
    input: eventFilterSchema
      .extend({
        limit: z.number().int().min(1).max(1000).default(200),
        /** The next older page: the last event of the previous page (createdAt and id). */
        before: z.object({ createdAt: z.string().max(64), id: z.number().int() }).strict().optional(),
        /** Tail: only events recorded after this id, oldest first. */
        afterId: z.number().int().min(0).optional(),
      })
      .strict(),
    output: z.object({ events: z.array(vcenterEventSchema), next: z.object({ createdAt: z.string(), id: z.number().int() }).nullable(), lastId: z.number().int() }),
  },
  'vm.power': {
    summary: 'Power a VM on or off, reset it, or shut its guest down',
    input: z.object({ site: siteName, vm: z.string().min(1).max(500), action: z.enum(['on', 'off', 'reset', 'shutdown']) }).strict(),
    output: z.object({ site: z.string(), vm: z.string(), moref: z.string(), powerState: powerStateSchema }),
  },
} as const satisfies Record<string, CommandSpec>;
