// Owns tables: upgrade_plans, upgrade_plan_hosts, upgrade_desired_builds, upgrade_probe_results, upgrade_host_claims.
import { contractErrorSchema, OutpostError, type ContractError } from '../contract/errors.js';
import { z } from 'zod';
import {
  upgradeHostSettingSchema,
  upgradeHostStateSchema,
  upgradeOptionsSchema,
  upgradePlanStateSchema,
  type UpgradeHostSetting,
  type UpgradeOptions,
  type UpgradePlanState,
  type UpgradePlanSummary,
} from '../contract/upgrades.js';
import { inList, UniqueViolation, type Sql } from '../db/sql.js';

export type PlanHostState = 'pending' | 'running' | 'succeeded' | 'failed' | 'aborted';

export interface PlanRow {
  id: string;
  siteId: number;
  site: string;
  cluster: string | null;
  targetVersion: string | null;
  targetBuild: string;
  options: UpgradeOptions;
  hostSettings: UpgradeHostSetting[];
  state: UpgradePlanState;
  reason: string | null;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
}

export interface PlanHostRow {
  position: number;
  moref: string;
  name: string;
  state: PlanHostState;
  procedureId: string | null;
  error: ContractError | null;
  startedAt: string | null;
  finishedAt: string | null;
}

const rawPlan = z.object({
  id: z.string(),
  site_id: z.number(),
  site: z.string(),
  cluster: z.string().nullable(),
  target_version: z.string().nullable(),
  target_build: z.string(),
  options: z.string(),
  state: upgradePlanStateSchema,
  reason: z.string().nullable(),
  created_at: z.string(),
  created_by: z.string(),
  updated_at: z.string(),
});
type RawPlan = z.infer<typeof rawPlan>;

const rawPlanHost = z.object({
  position: z.number(),
  host_moref: z.string(),
  host_name: z.string(),
  state: upgradeHostStateSchema,
  procedure_id: z.string().nullable(),
  error: z.string().nullable(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
});

const now = (): string => new Date().toISOString();
const PLAN_SELECT = `SELECT p.*, s.name AS site FROM upgrade_plans p JOIN sites s ON s.id = p.site_id`;

/** The JSON columns, decoded like every other column (a row another version wrote fails loudly, not later). */
const storedOptions = z.object({ options: upgradeOptionsSchema, hostSettings: z.array(upgradeHostSettingSchema) });

function toPlan(r: RawPlan): PlanRow {
  const stored = storedOptions.parse(JSON.parse(r.options));
  return {
    id: r.id,
    siteId: r.site_id,
    site: r.site,
    cluster: r.cluster,
    targetVersion: r.target_version,
    targetBuild: r.target_build,
    options: stored.options,
    hostSettings: stored.hostSettings,
    state: r.state,
    reason: r.reason,
    createdAt: r.created_at,
    createdBy: r.created_by,
    updatedAt: r.updated_at,
  };
}

/** The SQL of upgrade plans (migration 009); the service decides, this only reads and writes rows. */
export class UpgradeStore {
  constructor(private readonly db: Sql) {}

  async insertPlan(p: Omit<PlanRow, 'site' | 'state' | 'reason' | 'createdAt' | 'updatedAt'>, hosts: { moref: string; name: string }[]): Promise<void> {
    const at = now();
    await this.db.run(
      `INSERT INTO upgrade_plans (id, site_id, cluster, target_version, target_build, options, state, reason, created_at, created_by, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, 'draft', NULL, ?, ?, ?)`,
      [p.id, p.siteId, p.cluster, p.targetVersion, p.targetBuild, JSON.stringify({ options: p.options, hostSettings: p.hostSettings }), at, p.createdBy, at],
    );
    for (const [i, h] of hosts.entries()) {
      // The claim decides (migration 022): a host in another active plan fails this INSERT on any
      // workstation, so two plans for one host cannot both be created, however close together.
      try {
        await this.db.run(`INSERT INTO upgrade_host_claims (site_id, host_moref, plan_id) VALUES (?, ?, ?)`, [p.siteId, h.moref, p.id]);
      } catch (err) {
        if (!(err instanceof UniqueViolation)) throw err;
        throw new OutpostError('UPGRADE_CONFLICT', `${h.name} is already in an active upgrade plan; let that plan finish or abort it first (outpost upgrade list).`, { host: h.name });
      }
      await this.db.run(`INSERT INTO upgrade_plan_hosts (plan_id, position, host_moref, host_name, state) VALUES (?, ?, ?, ?, 'pending')`, [p.id, i, h.moref, h.name]);
      await this.db.run(
        `INSERT INTO upgrade_desired_builds (site_id, host_moref, target_version, target_build, plan_id, set_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (site_id, host_moref) DO UPDATE SET target_version = excluded.target_version, target_build = excluded.target_build, plan_id = excluded.plan_id, set_at = excluded.set_at`,
        [p.siteId, h.moref, p.targetVersion, p.targetBuild, p.id, at],
      );
    }
  }

  async plan(id: string): Promise<PlanRow | null> {
    const r = await this.db.get(`${PLAN_SELECT} WHERE p.id = ?`, [id], rawPlan);
    return r ? toPlan(r) : null;
  }

  async plansIn(states: UpgradePlanState[]): Promise<string[]> {
    return (await this.db.all(`SELECT id FROM upgrade_plans WHERE state IN ${inList(states)} ORDER BY created_at`, [...states], z.object({ id: z.string() }))).map((r) => r.id);
  }

  async list(site?: string): Promise<UpgradePlanSummary[]> {
    const rows = await this.db.all(`${PLAN_SELECT} ${site ? 'WHERE s.name = ?' : ''} ORDER BY p.created_at DESC LIMIT 200`, site ? [site] : [], rawPlan);
    return Promise.all(rows.map((r) => this.summary(toPlan(r))));
  }

  async summary(p: PlanRow): Promise<UpgradePlanSummary> {
    const counts = (await this.db.get(`SELECT count(*) AS total, sum(state = 'succeeded') AS done FROM upgrade_plan_hosts WHERE plan_id = ?`, [p.id], z.object({ total: z.number(), done: z.number().nullable() })))!;
    return {
      id: p.id,
      site: p.site,
      cluster: p.cluster,
      targetBuild: p.targetBuild,
      targetVersion: p.targetVersion,
      state: p.state,
      reason: p.reason,
      hostsTotal: counts.total,
      hostsDone: counts.done ?? 0,
      createdAt: p.createdAt,
      createdBy: p.createdBy,
      updatedAt: p.updatedAt,
    };
  }

  async hosts(planId: string): Promise<PlanHostRow[]> {
    const rows = await this.db.all(`SELECT * FROM upgrade_plan_hosts WHERE plan_id = ? ORDER BY position`, [planId], rawPlanHost);
    return rows.map((r) => ({
      position: r.position,
      moref: r.host_moref,
      name: r.host_name,
      state: r.state,
      procedureId: r.procedure_id,
      error: r.error ? contractErrorSchema.parse(JSON.parse(r.error)) : null,
      startedAt: r.started_at,
      finishedAt: r.finished_at,
    }));
  }

  /**
   * Moves a plan between states only from the expected ones; returns whether it moved. Only one
   * plan can be running (a unique index decides, so two workstations cannot both start one): the
   * loser gets UPGRADE_CONFLICT. A plan that ends gives its hosts back to new plans.
   */
  async setPlanState(id: string, from: UpgradePlanState[], to: UpgradePlanState, reason: string | null): Promise<boolean> {
    return await this.db.transaction(async (tx) => {
      let moved: boolean;
      try {
        moved = (await tx.run(`UPDATE upgrade_plans SET state = ?, reason = ?, updated_at = ? WHERE id = ? AND state IN ${inList(from)}`, [to, reason, now(), id, ...from])).changes === 1;
      } catch (err) {
        if (!(err instanceof UniqueViolation)) throw err;
        throw new OutpostError('UPGRADE_CONFLICT', `Another upgrade plan is running (started at the same moment, maybe on another workstation); one rollout at a time. Plan ${id} was not started.`, { planId: id });
      }
      if (moved && (to === 'succeeded' || to === 'aborted')) await tx.run(`DELETE FROM upgrade_host_claims WHERE plan_id = ?`, [id]);
      return moved;
    });
  }

  /** The active plan holding a host, or null (to name it in an UPGRADE_CONFLICT). */
  async claimHolder(siteId: number, morefs: readonly string[]): Promise<string | null> {
    return (await this.db.get(`SELECT plan_id FROM upgrade_host_claims WHERE site_id = ? AND host_moref IN ${inList(morefs)} LIMIT 1`, [siteId, ...morefs], z.object({ plan_id: z.string() })))?.plan_id ?? null;
  }

  /** Claims the next pending host for a run (conditional, so two processes never start the same host). */
  async claimHost(planId: string, position: number, procedureId: string): Promise<boolean> {
    return (
      (await this.db.run(
        `UPDATE upgrade_plan_hosts SET state = 'running', procedure_id = ?, started_at = ?, error = NULL, finished_at = NULL WHERE plan_id = ? AND position = ? AND state = 'pending'`,
        [procedureId, now(), planId, position],
      )).changes === 1
    );
  }

  async setHostState(planId: string, position: number, state: PlanHostState, error: ContractError | null): Promise<void> {
    const finished = state === 'running' || state === 'pending' ? null : now();
    await this.db.run(`UPDATE upgrade_plan_hosts SET state = ?, error = ?, finished_at = ? WHERE plan_id = ? AND position = ?`, [state, error ? JSON.stringify(error) : null, finished, planId, position]);
  }

  /** Puts a host whose run was rolled back or cancelled back to pending, for a new run. */
  async resetHost(planId: string, position: number): Promise<void> {
    await this.db.run(`UPDATE upgrade_plan_hosts SET state = 'pending', procedure_id = NULL, error = NULL, started_at = NULL, finished_at = NULL WHERE plan_id = ? AND position = ?`, [planId, position]);
  }

  /** Another running plan than this one, or null. */
  async otherRunningPlan(planId: string): Promise<string | null> {
    return (await this.db.get(`SELECT id FROM upgrade_plans WHERE state = 'running' AND id <> ? LIMIT 1`, [planId], z.object({ id: z.string() })))?.id ?? null;
  }

  async recordProbes(procedureId: string, round: number, results: readonly { probe: string; ok: boolean; detail: string; at: string }[]): Promise<void> {
    await this.db.transaction(async (tx) => {
      for (const r of results) await tx.run('INSERT INTO upgrade_probe_results (procedure_id, round, probe, ok, detail, at) VALUES (?, ?, ?, ?, ?, ?)', [procedureId, round, r.probe, r.ok ? 1 : 0, r.detail, r.at]);
    });
  }

  async lastProbeRound(procedureId: string): Promise<number> {
    return (await this.db.get('SELECT coalesce(max(round), 0) AS n FROM upgrade_probe_results WHERE procedure_id = ?', [procedureId], z.object({ n: z.number() })))!.n;
  }

  /** The latest result of each probe of a run. */
  async latestProbes(procedureId: string): Promise<{ round: number; probe: string; ok: boolean; detail: string; at: string }[]> {
    return (await this.db
      .all(
        `SELECT r.round, r.probe, r.ok, r.detail, r.at FROM upgrade_probe_results r
         WHERE r.procedure_id = ? AND r.id IN (SELECT max(id) FROM upgrade_probe_results WHERE procedure_id = ? GROUP BY probe) ORDER BY r.probe`,
        [procedureId, procedureId],
        z.object({ round: z.number(), probe: z.string(), ok: z.number(), detail: z.string(), at: z.string() }),
      ))
      .map((r) => ({ ...r, ok: r.ok === 1 }));
  }

  /** Live hosts with their site, cluster, build and the build a plan wants for them. */
  async hostBuilds(site?: string): Promise<{ site: string; cluster: string | null; name: string; moref: string; version: string | null; build: string | null; connectionState: string | null; inMaintenance: boolean; desiredBuild: string | null; desiredVersion: string | null }[]> {
    return (await this.db
      .all(
        `SELECT s.name AS site, c.name AS cluster, h.name, h.moref, h.version, h.build, h.connection_state, h.maintenance, d.target_build, d.target_version
         FROM inv_hosts h JOIN sites s ON s.id = h.site_id AND s.removed_at IS NULL
         LEFT JOIN inv_clusters c ON c.site_id = h.site_id AND c.moref = h.cluster_moref
         LEFT JOIN upgrade_desired_builds d ON d.site_id = h.site_id AND d.host_moref = h.moref
         WHERE h.removed_at IS NULL ${site ? 'AND s.name = @site' : ''} ORDER BY s.name, c.name, h.name`,
        site ? { site } : {},
        z.object({
          site: z.string(),
          cluster: z.string().nullable(),
          name: z.string(),
          moref: z.string(),
          version: z.string().nullable(),
          build: z.string().nullable(),
          connection_state: z.string().nullable(),
          maintenance: z.number(),
          target_build: z.string().nullable(),
          target_version: z.string().nullable(),
        }),
      ))
      .map((r) => ({
        site: r.site,
        cluster: r.cluster,
        name: r.name,
        moref: r.moref,
        version: r.version,
        build: r.build,
        connectionState: r.connection_state,
        inMaintenance: r.maintenance === 1,
        desiredBuild: r.target_build,
        desiredVersion: r.target_version,
      }));
  }

  async planOfProcedure(procedureId: string): Promise<string | null> {
    return (await this.db.get(`SELECT plan_id FROM upgrade_plan_hosts WHERE procedure_id = ?`, [procedureId], z.object({ plan_id: z.string() })))?.plan_id ?? null;
  }
}
