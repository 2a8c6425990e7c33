import { join } from 'node:path';
import type {
  CommandOutput,
  CommandParsedInput,
  ProcedureSummary,
  SiteSummary,
  Status,
  Transport,
} from '../contract/commands.js';
import { AuditLog } from '../audit/audit-log.js';
import type { Sql } from '../db/sql.js';
import { InventoryViewService } from '../inventory/inventory-export.js';
import { TrustStore, trustedCaPems } from '../certificates/trust-store.js';
import { PreflightLists } from '../helpers/preflight-lists.js';
import { EnrollmentService } from '../enrollment/enrollment-service.js';
import { InventoryService, watchSummary } from '../inventory/inventory-service.js';
import type { EventLogStore } from '../inventory/event-log-store.js';
import { VlanService } from '../networking/vlan-service.js';
import { VmNetworkService } from '../networking/vm-network-service.js';
import { storedVm } from '../inventory/stored-vm.js';
import { ConsoleService } from '../vm-access/console-service.js';
import { GuestInfoService } from '../vm-access/guest-info-service.js';
import { Ipam } from '../ipam/ipam.js';
import { VmAddressResolver } from '../endpoints/vm-address.js';
import { Endpoints } from '../endpoints/endpoints.js';
import { driverFor } from '../nat/firewall-drivers.js';
import { NatService } from '../nat/nat-service.js';
import { NatPolicyService } from '../nat/nat-policy-service.js';
import { RemoteAccessService } from '../remote/remote-access-service.js';
import { FanoutJobs } from '../endpoints/fanout-jobs.js';
import { FanoutTemplateStore } from '../endpoints/fanout-template-store.js';
import { TerminalService } from '../terminal/terminal-service.js';
import { RecordingStore } from '../terminal/recording/recording-store.js';
import { SessionRecorder } from '../terminal/recording/session-recorder.js';
import { builtinProcedures, type BuiltinProcedureServices } from './procedures.js';
import { ProcedureEngine } from '../procedures/engine.js';
import { ProcedureStore } from '../procedures/procedure-store.js';
import { SiteStore } from '../sites/site-store.js';
import { operatorActor, SettingsStore } from '../settings/settings-store.js';
import { HostUpgradeOperations } from '../upgrades/host-operations.js';
import { UpgradeService } from '../upgrades/upgrade-service.js';
import { PlaybookRuns } from '../upgrades/playbook-runs.js';
import { CredentialStore } from '../vault/credential-store.js';
import { Vault } from '../vault/vault.js';
import type { EventBus } from '../events/event-bus.js';
import { TaskService } from '../tasks/task-service.js';
import { MetricsStore } from '../metrics/metrics-store.js';
import { METRICS_FLUSH_MS, OutpostMetrics } from './metrics-wiring.js';
import { TeamService } from '../team/team-service.js';
import type { TeamSession } from '../team/team-session.js';

export interface ServicesOptions {
  db: Sql;
  bus: EventBus;
  vault: Vault;
  transport: Transport;
  version: string;
  dataDir: string;
  dbPath: string;
  /**
   * Team mode: this process's session on the team database, and this workstation's own store and
   * vault (where the team password is sealed). Absent on a workstation's own SQLite store.
   */
  team?: { session: TeamSession; local: { sql: Sql; vault: Vault } };
}

class SitesQueries {
  private readonly store: SiteStore;

  constructor(
    db: Sql,
    private readonly connected: (site: string) => boolean,
  ) {
    this.store = new SiteStore(db);
  }

  async list(): Promise<SiteSummary[]> {
    return (await this.store.list()).map((r) => ({ ...r, connected: this.connected(r.name) }));
  }

  /**
   * The sites with their always-on index status, as the indexing process wrote it (it may be
   * another process: `outpost site list` beside `outpost serve`); a live index counts as connected.
   */
  async listWithIndex(events: EventLogStore): Promise<SiteSummary[]> {
    const statuses = await events.statuses();
    return (await this.store.list()).map((r) => {
      const index = statuses.get(r.id) ?? null;
      const live = index !== null && !index.stale && (index.state === 'watching' || index.state === 'syncing');
      return { ...r, connected: this.connected(r.name) || live, index };
    });
  }
}

class ProcedureQueries {
  private readonly store: ProcedureStore;

  constructor(db: Sql) {
    this.store = new ProcedureStore(db);
  }

  async list(q: CommandParsedInput<'procedures.list'>): Promise<ProcedureSummary[]> {
    return await this.store.list(q);
  }

}

/** The core services wired to one store; transports reach them only through the handlers. */
export class Services {
  readonly audit: AuditLog;
  readonly settings: SettingsStore;
  readonly vault: Vault;
  readonly credentials: CredentialStore;
  readonly sites: SitesQueries;
  readonly procedures: ProcedureQueries;
  readonly inventoryViews: InventoryViewService;
  readonly ipam: Ipam;
  readonly nat: NatService;
  readonly natPolicy: NatPolicyService;
  readonly engine: ProcedureEngine<BuiltinProcedureServices>;
  readonly preflightLists: PreflightLists;
  readonly trustStore: TrustStore;
  /** Every SSH/WinRM connection is made here: trust, host keys, jumps, pools. */
  readonly endpoints: Endpoints;
  readonly remote: RemoteAccessService;
  readonly fanout: FanoutJobs;
  readonly fanoutTemplates: FanoutTemplateStore;
  readonly inventory: InventoryService;
  readonly vlan: VlanService;
  readonly vmNetwork: VmNetworkService;
  readonly consoles: ConsoleService;
  readonly guestInfo: GuestInfoService;
  readonly terminals: TerminalService;
  readonly recorder: SessionRecorder;
  readonly upgrades: UpgradeService;
  readonly playbooks: PlaybookRuns;
  readonly enrollment: EnrollmentService;
  readonly tasks: TaskService;
  /** This process's metrics; a long-running process publishes them (core.ts). */
  readonly metrics = new OutpostMetrics();
  readonly team: TeamService;
  /** The last status read: shown (with the team's state) while the team database is unreachable. */
  private lastStatus: Status | null = null;
  /** How a site's VMs are reached (public NAT or private address): terminals, fan-out, RDP and checks ask it. */
  readonly vmAddresses: VmAddressResolver;

  constructor(private readonly o: ServicesOptions) {
    this.metrics.follow(o.bus);
    this.audit = new AuditLog(o.db, o.bus);
    const local = o.team?.local ?? { sql: o.db, vault: o.vault };
    this.team = new TeamService({
      dataDir: o.dataDir,
      store: o.db,
      database: o.dbPath,
      local,
      importedCas: () => trustedCaPems(local.sql),
      session: o.team?.session ?? null,
      siteNames: async () => new Map((await this.inventory.liveSites()).map((s) => [s.id, s.name])),
      audit: this.audit,
    });
    this.ipam = new Ipam(o.db, this.audit);
    this.credentials = new CredentialStore(o.db, o.vault);
    this.endpoints = new Endpoints(o.db, this.audit, this.credentials);
    this.remote = new RemoteAccessService(this.audit, this.endpoints);
    this.fanout = new FanoutJobs({
      hostKeys: this.remote.knownHosts,
      audit: this.audit,
      onResult: (jobId, row, totals) => o.bus.emit('fanout.result', { jobId, row, totals }),
      onDone: (jobId, state, totals, durationMs) => o.bus.emit('fanout.done', { jobId, state, totals, durationMs }),
      onOutput: (jobId, chunks) => o.bus.emit('fanout.output', { jobId, chunks }),
    });
    this.fanoutTemplates = new FanoutTemplateStore(o.db, this.audit);
    this.playbooks = new PlaybookRuns({
      audit: this.audit,
      knownHosts: this.remote.knownHosts,
      onLine: (runId, line) => o.bus.emit('playbook.output', { runId, line }),
      onDone: (run) => o.bus.emit('playbook.done', run),
    });
    this.recorder = new SessionRecorder({
      dir: join(o.dataDir, 'recordings'),
      store: new RecordingStore(o.db),
      audit: this.audit,
      policy: async () => {
        const st = await this.settings.get();
        return { onFailure: st.recordingOnFailure, maxTotalMB: st.recordingMaxTotalMB, maxDays: st.recordingMaxDays };
      },
    });
    this.terminals = new TerminalService({ audit: this.audit, logDir: join(o.dataDir, 'terminal-logs'), recorder: this.recorder, onChanged: (info) => o.bus.emit('terminal.changed', info) });
    this.nat = new NatService(o.db, this.audit, (fw) => driverFor(fw, this.remote));
    this.natPolicy = new NatPolicyService(o.db, this.audit, this.nat, (status) => o.bus.emit('nat.drift', status));
    this.preflightLists = new PreflightLists(o.db);
    this.trustStore = new TrustStore(o.db, this.audit);
    this.vlan = new VlanService(o.db, this.credentials);
    this.vmNetwork = new VmNetworkService(o.db, this.credentials, (site, vm) => storedVm(o.db, site, vm));
    this.consoles = new ConsoleService(o.db, this.credentials, this.audit);
    this.guestInfo = new GuestInfoService(o.db, this.credentials, this.audit);
    this.enrollment = new EnrollmentService({ db: o.db, audit: this.audit, ipam: this.ipam, nat: this.nat, remote: this.remote, credentials: this.credentials, bus: o.bus });
    const hostOperations = new HostUpgradeOperations(o.db, this.audit, this.credentials, this.endpoints, join(o.dataDir, 'upgrade-backups'));
    this.engine = new ProcedureEngine({
      db: o.db,
      registry: builtinProcedures(),
      audit: this.audit,
      bus: o.bus,
      services: { audit: this.audit, ipam: this.ipam, nat: this.nat, natPolicy: this.natPolicy, upgrades: hostOperations, enrollment: this.enrollment, vlan: this.vlan, vmNetwork: this.vmNetwork },
      requiresFourEyes: async (kind) => (await this.settings.get()).fourEyesKinds.includes(kind),
    });
    this.tasks = new TaskService({
      db: o.db,
      bus: o.bus,
      procedureFacts: async (id, kind) => {
        const definition = this.engine.definition(kind);
        if (!definition) return null;
        try {
          const waiting = (await this.engine.store.steps(id)).find((st) => st.state === 'waiting'); // the steps only: the run's row came with the event
          return { title: definition.title, steps: definition.steps.length, waitingFor: waiting?.gate ? (waiting.gate.kind === 'approve' ? 'approval' : 'timer') : null };
        } catch {
          return { title: definition.title, steps: definition.steps.length, waitingFor: null };
        }
      },
      onStateChanged: () => void this.emitStatus(),
    });
    this.upgrades = new UpgradeService({ db: o.db, audit: this.audit, engine: this.engine, bus: o.bus, ops: hostOperations });
    this.enrollment.attach(this.engine);
    // In team mode the operator's name stays this workstation's own (its local store), the rest is the team's.
    this.settings = new SettingsStore(o.db, this.audit, o.bus, o.team?.local.sql);
    this.vmAddresses = new VmAddressResolver({
      mode: async (site) => (await this.settings.get()).vmAddress[site] ?? 'auto',
      enrolled: async (site, moref) => {
        const r = (await this.enrollment.cmdb.list({ site, status: 'active', limit: -1 })).find((c) => c.vmMoref === moref);
        return r ? { publicIp: r.publicIp, privateIp: r.privateIp } : null;
      },
      // The site's private networks: its private IPAM pools (scoped to the site by name).
      sitePrivateNetworks: async (site) => (await this.ipam.pools()).filter((p) => p.kind === 'private' && p.scope === site).map((p) => p.cidr),
    });
    // The drift reconciler follows its setting (0: off) from start and on every change.
    const followSetting = (): void => {
      this.settings.get().then(
        (s) => this.natPolicy.configure(s.natReconcileSeconds),
        () => undefined, // the store is closing: nothing to follow
      );
    };
    followSetting();
    o.bus.subscribe((event) => {
      if (event === 'settings.changed') followSetting();
    });
    this.vault = o.vault;
    // A site counts as connected while its watcher holds a live session.
    this.sites = new SitesQueries(o.db, (site) => this.inventory.watchStatus().some((w) => w.site === site && (w.state === 'watching' || w.state === 'syncing')));
    this.procedures = new ProcedureQueries(o.db);
    this.inventoryViews = new InventoryViewService(o.db);
    this.inventory = new InventoryService({
      db: o.db,
      vault: o.vault,
      credentials: this.credentials,
      audit: this.audit,
      enrolledVms: (siteId) => this.enrollment.cmdb.activeCount(siteId),
      notify: {
        onApplied: (site, changes) => {
          this.metrics.applied(site, changes);
          this.followCmdb(site, changes.filter((c) => c.type === 'VirtualMachine').map((c) => c.moref));
          const limit = 500;
          o.bus.emit('inventory.changed', {
            site,
            changes: changes.slice(0, limit).map((c) => ({ kind: c.kind, type: c.type, moref: c.moref })),
            truncated: changes.length > limit,
          });
        },
        onStatus: (site, status) => {
          // A snapshot just completed: deletes and renames made while no watcher ran are found now.
          if (status.state === 'watching') this.followCmdb(site, null);
          this.metrics.watchStatus(site, status);
          o.bus.emit('inventory.watch', watchSummary(site, status));
          void this.emitStatus();
        },
        onSyncProgress: (progress) => o.bus.emit('inventory.sync.progress', progress),
        onEvents: (site, events) => {
          this.metrics.eventsStored(site, events);
          const limit = 100;
          o.bus.emit('inventory.events', { site, events: events.slice(-limit), truncated: events.length > limit });
        },
      },
    });
  }

  /** Hands a site's VM changes (null: the whole site after a snapshot) to the CMDB follower. */
  private followCmdb(siteName: string, morefs: string[] | null): void {
    if (morefs?.length === 0) return;
    void new SiteStore(this.o.db).byName(siteName).then(
      (site) => {
        if (!site) return;
        if (morefs) void this.enrollment.follower.vmsChanged(site.id, siteName, morefs);
        else void this.enrollment.follower.reconcileSite(site.id, siteName);
      },
      () => undefined, // the store is closing
    );
  }

  /** What each long-running process on this store last wrote (`outpost metrics`); a day-old row is pruned. */
  async metricsList(): Promise<CommandOutput<'metrics.list'>> {
    const now = Date.now();
    const rows = await new MetricsStore(this.o.db).list(new Date(now - 86_400_000).toISOString());
    return rows.map((r) => ({ ...r, stale: now - Date.parse(r.writtenAt) > 3 * METRICS_FLUSH_MS }));
  }

  async info(): Promise<CommandOutput<'app.info'>> {
    return {
      version: this.o.version,
      transport: this.o.transport,
      dataDir: this.o.dataDir,
      dbPath: this.o.dbPath,
      schemaVersion: await this.o.db.schemaVersion(),
      platform: process.platform,
    };
  }

  async status(): Promise<Status> {
    const team = this.team.state();
    try {
      const sites = await this.sites.list();
      this.lastStatus = {
        sitesTotal: sites.length,
        sitesConnected: sites.filter((s) => s.connected).length,
        tasks: await this.tasks.counts(),
        vault: await this.vault.state(),
        team,
      };
      return this.lastStatus;
    } catch (err) {
      // The team database is gone: the status bar must still say so, with the last counts it had.
      if (team.connected) throw err;
      return { ...(this.lastStatus ?? { sitesTotal: 0, sitesConnected: 0, tasks: { running: 0, waiting: 0 }, vault: { kind: this.vault.kind, initialised: false, unlocked: false } }), team };
    }
  }

  /** Advisory: a status that cannot be read now (e.g. while the store closes) is read again at the next change or refetch. */
  async emitStatus(): Promise<void> {
    try {
      this.o.bus.emit('status.changed', await this.status());
    } catch {
      // nothing to tell
    }
  }

  /** The audit actor (see operatorActor: OUTPOST_OPERATOR, else the configured name, else the OS account). */
  async defaultActor(): Promise<string> {
    return operatorActor(await this.settings.get());
  }
}
