/**
 * Saved fan-out runs, reusable as templates: the command, the targets (host[:port] texts, inventory
 * VMs, ~/.ssh/config aliases), the jump chain and the credential profile's NAME (never a secret).
 */
export const sql = /* sql */ `
CREATE TABLE fanout_templates (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  command     TEXT NOT NULL,
  targets     TEXT NOT NULL,                 -- JSON: { hosts: string[], vms: {site, vm, port}[], sshConfigHosts: string[] }
  jumps       TEXT NOT NULL DEFAULT '[]',    -- JSON: [{ host, port, user?, credential }]
  credential  TEXT NOT NULL,
  user_name   TEXT,
  concurrency INTEGER NOT NULL,
  timeout_ms  INTEGER NOT NULL,
  created_at  TEXT NOT NULL,
  created_by  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
);
`;
