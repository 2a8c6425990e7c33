/**
 * Upgrade plans correct with several workstations writing at once (issue 14): the database, not a
 * look before the write, keeps one host out of two active plans and one rollout running at a time.
 *
 * - upgrade_host_claims: a row per host of each active plan (draft, running, paused, failed),
 *   inserted in the plan's own transaction and deleted when the plan ends (succeeded, aborted).
 *   Its key (site, host) makes the second plan's INSERT fail, whichever workstation sends it.
 * - upgrade_plans_one_running: at most one plan in state 'running' (the driver's one-rollout-at-a-time
 *   rule), so two workstations starting two plans at the same moment cannot both win.
 *
 * Stores written before this migration may break either rule; the newest claim and the oldest
 * running plan keep theirs, other running plans are paused with a reason the operator sees.
 */
export const sql = /* sql */ `
UPDATE upgrade_plans SET state = 'paused', reason = 'paused by the upgrade: another plan was running at the same time; one rollout at a time'
  WHERE state = 'running' AND id <> (SELECT id FROM upgrade_plans WHERE state = 'running' ORDER BY created_at, id LIMIT 1);
CREATE UNIQUE INDEX upgrade_plans_one_running ON upgrade_plans (state) WHERE state = 'running';

CREATE TABLE upgrade_host_claims (
  site_id    INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  host_moref TEXT NOT NULL,
  plan_id    TEXT NOT NULL REFERENCES upgrade_plans(id) ON DELETE CASCADE,
  PRIMARY KEY (site_id, host_moref)
);
CREATE INDEX upgrade_host_claims_plan ON upgrade_host_claims (plan_id);
INSERT INTO upgrade_host_claims (site_id, host_moref, plan_id)
  SELECT p.site_id, h.host_moref, p.id FROM upgrade_plan_hosts h JOIN upgrade_plans p ON p.id = h.plan_id
  WHERE p.state IN ('draft', 'running', 'paused', 'failed') ORDER BY p.created_at DESC
  ON CONFLICT DO NOTHING;
`;
