/**
 * Rolling host upgrades (issue 7): a plan per rollout (site, cluster or host list, target
 * version/build, per-host step options as JSON, state), its hosts in upgrade order with the
 * procedure run that upgrades each, the build each host should run (so the inventory can show
 * which hosts are behind), and the soak probes' results.
 */
export const sql = /* sql */ `
CREATE TABLE upgrade_plans (
  id             TEXT PRIMARY KEY,
  site_id        INTEGER NOT NULL REFERENCES sites(id),
  cluster        TEXT,                                  -- NULL when the plan names hosts
  target_version TEXT,
  target_build   TEXT NOT NULL,
  options        TEXT NOT NULL,                         -- JSON: per-host step options (see contract/upgrades.ts)
  state          TEXT NOT NULL CHECK (state IN ('draft', 'running', 'paused', 'succeeded', 'failed', 'aborted')),
  reason         TEXT,                                  -- why it failed or stopped, for the operator
  created_at     TEXT NOT NULL,
  created_by     TEXT NOT NULL,
  updated_at     TEXT NOT NULL
);
CREATE INDEX upgrade_plans_site ON upgrade_plans (site_id, state);

CREATE TABLE upgrade_plan_hosts (
  plan_id      TEXT NOT NULL REFERENCES upgrade_plans(id) ON DELETE CASCADE,
  position     INTEGER NOT NULL,                        -- upgrade order, from 0
  host_moref   TEXT NOT NULL,
  host_name    TEXT NOT NULL,
  state        TEXT NOT NULL CHECK (state IN ('pending', 'running', 'succeeded', 'failed', 'aborted')),
  procedure_id TEXT REFERENCES procedures(id),
  error        TEXT,                                    -- JSON contract error when it failed
  started_at   TEXT,
  finished_at  TEXT,
  PRIMARY KEY (plan_id, position),
  UNIQUE (plan_id, host_moref)
);

CREATE TABLE upgrade_desired_builds (
  site_id        INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  host_moref     TEXT NOT NULL,
  target_version TEXT,
  target_build   TEXT NOT NULL,
  plan_id        TEXT NOT NULL REFERENCES upgrade_plans(id),
  set_at         TEXT NOT NULL,
  PRIMARY KEY (site_id, host_moref)
) WITHOUT ROWID;

CREATE TABLE upgrade_probe_results (
  id           INTEGER PRIMARY KEY,
  procedure_id TEXT NOT NULL REFERENCES procedures(id) ON DELETE CASCADE,
  round        INTEGER NOT NULL,
  probe        TEXT NOT NULL,                           -- ssh | log-scan | vcenter
  ok           INTEGER NOT NULL CHECK (ok IN (0, 1)),
  detail       TEXT NOT NULL,
  at           TEXT NOT NULL
);
CREATE INDEX upgrade_probe_results_run ON upgrade_probe_results (procedure_id, id);
`;
