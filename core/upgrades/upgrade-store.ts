import type { ContractError } from '../contract/errors.js';
import type { UpgradeHostSetting, UpgradeOptions, UpgradePlanState, UpgradePlanSummary } from '../contract/upgrades.js';
import type { Db } from '../db/database.js';

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

interface RawPlan {
  id: string;
  site_id: number;
  site: string;
  cluster: string | null;
  target_version: string | null;
  target_build: string;
  options: string;
  state: UpgradePlanState;
  reason: string | null;
  created_at: string;
  created_by: string;
  updated_at: string;
}

const now = (): string => new Date().toISOString();
const PLAN_SELECT = `SELECT p.*, s.name AS site FROM upgrade_plans p JOIN sites s ON s.id = p.site_id`;

function toPlan(r: RawPlan): PlanRow {
  const stored = JSON.parse(r.options) as { options: UpgradeOptions; hostSettings: UpgradeHostSetting[] };
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
  constructor(private readonly db: Db) {}

  insertPlan(p: Omit<PlanRow, 'site' | 'state' | 'reason' | 'createdAt' | 'updatedAt'>, hosts: { moref: string; name: string }[]): void {
    const at = now();
    this.db
      .prepare(
        `INSERT INTO upgrade_plans (id, site_id, cluster, target_version, target_build, options, state, reason, created_at, created_by, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, 'draft', NULL, ?, ?, ?)`,
      )
      .run(p.id, p.siteId, p.cluster, p.targetVersion, p.targetBuild, JSON.stringify({ options: p.options, hostSettings: p.hostSettings }), at, p.createdBy, at);
    const insertHost = this.db.prepare(`INSERT INTO upgrade_plan_hosts (plan_id, position, host_moref, host_name, state) VALUES (?, ?, ?, ?, 'pending')`);
    const desired = this.db.prepare(
      `INSERT INTO upgrade_desired_builds (site_id, host_moref, target_version, target_build, plan_id, set_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (site_id, host_moref) DO UPDATE SET target_version = excluded.target_version, target_build = excluded.target_build, plan_id = excluded.plan_id, set_at = excluded.set_at`,
    );
    hosts.forEach((h, i) => {
      insertHost.run(p.id, i, h.moref, h.name);
      desired.run(p.siteId, h.moref, p.targetVersion, p.targetBuild, p.id, at);
    });
  }

  plan(id: string): PlanRow | null {
    const r = this.db.prepare(`${PLAN_SELECT} WHERE p.id = ?`).get(id) as RawPlan | undefined;
    return r ? toPlan(r) : null;
  }

  plansIn(states: UpgradePlanState[]): string[] {
    return (this.db.prepare(`SELECT id FROM upgrade_plans WHERE state IN (SELECT value FROM json_each(?)) ORDER BY created_at`).all(JSON.stringify(states)) as { id: string }[]).map((r) => r.id);
  }

  list(site?: string): UpgradePlanSummary[] {
    const rows = this.db.prepare(`${PLAN_SELECT} ${site ? 'WHERE s.name = ?' : ''} ORDER BY p.created_at DESC LIMIT 200`).all(...(site ? [site] : [])) as RawPlan[];
    return rows.map((r) => this.summary(toPlan(r)));
  }

  summary(p: PlanRow): UpgradePlanSummary {
    const counts = this.db.prepare(`SELECT count(*) AS total, sum(state = 'succeeded') AS done FROM upgrade_plan_hosts WHERE plan_id = ?`).get(p.id) as { total: number; done: number | null };
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

  hosts(planId: string): PlanHostRow[] {
    const rows = this.db.prepare(`SELECT * FROM upgrade_plan_hosts WHERE plan_id = ? ORDER BY position`).all(planId) as {
      position: number;
      host_moref: string;
      host_name: string;
      state: PlanHostState;
      procedure_id: string | null;
      error: string | null;
      started_at: string | null;
      finished_at: string | null;
    }[];
    return rows.map((r) => ({
      position: r.position,
      moref: r.host_moref,
      name: r.host_name,
      state: r.state,
      procedureId: r.procedure_id,
      error: r.error ? (JSON.parse(r.error) as ContractError) : null,
      startedAt: r.started_at,
      finishedAt: r.finished_at,
    }));
  }

  /** Moves a plan between states only from the expected ones; returns whether it moved. */
  setPlanState(id: string, from: UpgradePlanState[], to: UpgradePlanState, reason: string | null): boolean {
    return (
      this.db
        .prepare(`UPDATE upgrade_plans SET state = ?, reason = ?, updated_at = ? WHERE id = ? AND state IN (SELECT value FROM json_each(?))`)
        .run(to, reason, now(), id, JSON.stringify(from)).changes === 1
    );
  }

  /** Claims the next pending host for a run (conditional, so two processes never start the same host). */
  claimHost(planId: string, position: number, procedureId: string): boolean {
    return (
      this.db
        .prepare(`UPDATE upgrade_plan_hosts SET state = 'running', procedure_id = ?, started_at = ?, error = NULL, finished_at = NULL WHERE plan_id = ? AND position = ? AND state = 'pending'`)
        .run(procedureId, now(), planId, position).changes === 1
    );
  }

  setHostState(planId: string, position: number, state: PlanHostState, error: ContractError | null): void {
    const finished = state === 'running' || state === 'pending' ? null : now();
    this.db.prepare(`UPDATE upgrade_plan_hosts SET state = ?, error = ?, finished_at = ? WHERE plan_id = ? AND position = ?`).run(state, error ? JSON.stringify(error) : null, finished, planId, position);
  }

  planOfProcedure(procedureId: string): string | null {
    return (this.db.prepare(`SELECT plan_id FROM upgrade_plan_hosts WHERE procedure_id = ?`).get(procedureId) as { plan_id: string } | undefined)?.plan_id ?? null;
  }
}
