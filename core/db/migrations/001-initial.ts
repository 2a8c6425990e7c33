/**
 * The first schema: sites, inventory objects, credentials (encrypted blobs only), the vault's
 * own metadata, procedures with their steps and journal, settings and the audit log.
 * Never edit a shipped migration; add the next number instead.
 */
export const sql = /* sql */ `
CREATE TABLE settings (
  key        TEXT PRIMARY KEY,
  value      TEXT NOT NULL,               -- JSON
  updated_at TEXT NOT NULL
);

CREATE TABLE vault_meta (
  id         INTEGER PRIMARY KEY CHECK (id = 1),
  kdf        TEXT NOT NULL,               -- JSON: algorithm and cost parameters
  salt       BLOB NOT NULL,
  verifier   BLOB NOT NULL,               -- a known constant sealed with the derived key
  created_at TEXT NOT NULL
);

CREATE TABLE credentials (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL UNIQUE,
  kind       TEXT NOT NULL CHECK (kind IN ('password', 'private-key', 'vcenter')),
  username   TEXT,
  scope_type TEXT NOT NULL DEFAULT 'global' CHECK (scope_type IN ('global', 'site', 'vm')),
  scope_ref  TEXT,
  cipher     TEXT NOT NULL CHECK (cipher IN ('os', 'passphrase')),
  secret     BLOB NOT NULL,               -- sealed by the vault; never plaintext
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  CHECK ((scope_type = 'global') = (scope_ref IS NULL))
);

CREATE TABLE sites (
  id              INTEGER PRIMARY KEY,
  name            TEXT NOT NULL UNIQUE,
  url             TEXT NOT NULL,
  username        TEXT NOT NULL,
  credential_id   INTEGER REFERENCES credentials(id) ON DELETE RESTRICT,
  tls_fingerprint TEXT,                   -- pinned SHA-256 of the vCenter certificate
  created_at      TEXT NOT NULL,
  last_sync_at    TEXT,
  removed_at      TEXT
);

CREATE TABLE inventory_objects (
  site_id       INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  moref         TEXT NOT NULL,            -- managed object reference value, e.g. vm-42
  type          TEXT NOT NULL,            -- VirtualMachine, HostSystem, Network, ...
  name          TEXT NOT NULL,
  parent_moref  TEXT,
  props         TEXT NOT NULL DEFAULT '{}', -- JSON of the synced properties
  first_seen_at TEXT NOT NULL,
  updated_at    TEXT NOT NULL,
  removed_at    TEXT,                     -- removed objects are kept for audit
  PRIMARY KEY (site_id, moref)
) WITHOUT ROWID;
CREATE INDEX inventory_objects_type ON inventory_objects (site_id, type);
CREATE INDEX inventory_objects_name ON inventory_objects (name);

CREATE TABLE procedures (
  id          TEXT PRIMARY KEY,
  kind        TEXT NOT NULL,
  state       TEXT NOT NULL CHECK (state IN ('pending', 'running', 'waiting', 'succeeded', 'failed',
                                             'rolling-back', 'rolled-back', 'cancelled')),
  target      TEXT,
  context     TEXT NOT NULL DEFAULT '{}', -- JSON: the procedure's typed context
  error       TEXT,                       -- JSON contract error when failed
  created_by  TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL,
  finished_at TEXT
);
CREATE INDEX procedures_state ON procedures (state);

CREATE TABLE procedure_steps (
  procedure_id TEXT NOT NULL REFERENCES procedures(id) ON DELETE CASCADE,
  idx          INTEGER NOT NULL,
  name         TEXT NOT NULL,
  state        TEXT NOT NULL CHECK (state IN ('pending', 'running', 'done', 'failed', 'waiting',
                                              'undoing', 'undone', 'skipped')),
  output       TEXT,                      -- JSON
  attempts     INTEGER NOT NULL DEFAULT 0,
  started_at   TEXT,
  finished_at  TEXT,
  PRIMARY KEY (procedure_id, idx)
) WITHOUT ROWID;

CREATE TABLE procedure_journal (
  id           INTEGER PRIMARY KEY,
  procedure_id TEXT NOT NULL REFERENCES procedures(id) ON DELETE CASCADE,
  step_idx     INTEGER,
  at           TEXT NOT NULL,
  level        TEXT NOT NULL CHECK (level IN ('debug', 'info', 'warn', 'error')),
  message      TEXT NOT NULL,
  data         TEXT
);
CREATE INDEX procedure_journal_procedure ON procedure_journal (procedure_id, id);

CREATE TABLE audit_log (
  id      INTEGER PRIMARY KEY AUTOINCREMENT,
  at      TEXT NOT NULL,
  actor   TEXT NOT NULL,
  action  TEXT NOT NULL,
  target  TEXT,
  outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'failed')),
  details TEXT                            -- JSON; never secrets
);
CREATE INDEX audit_log_action ON audit_log (action);

-- The audit log is append-only: nothing in Outpost may rewrite history.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
`;
