/**
 * vCenter events as operators read them (the live estate): every event is kept, with the host it
 * names, and gets a local id so the Events view and `outpost events list --follow` can page and
 * tail in the order Outpost recorded them. (site_id, event_key) stays unique: a catch-up after
 * downtime that reads an event again stores it once. The last key stored per site is where the
 * next catch-up resumes. inv_index_status: see below.
 */
export const sql = /* sql */ `
ALTER TABLE inv_events RENAME TO inv_events_007;
CREATE TABLE inv_events (
  id          INTEGER PRIMARY KEY,
  site_id     INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  event_key   INTEGER NOT NULL,
  type        TEXT NOT NULL,                           -- VmPoweredOffEvent, UserLoginSessionEvent, ...
  vm_moref    TEXT,
  vm_name     TEXT,
  host_moref  TEXT,
  host_name   TEXT,
  user_name   TEXT,
  created_at  TEXT NOT NULL,                           -- vCenter's createdTime
  recorded_at TEXT NOT NULL,                           -- when Outpost stored it (lag = recorded_at - created_at)
  message     TEXT NOT NULL,
  UNIQUE (site_id, event_key)
);
INSERT INTO inv_events (site_id, event_key, type, vm_moref, vm_name, user_name, created_at, recorded_at, message)
  SELECT site_id, event_key, type, vm_moref, vm_name, user_name, created_at, created_at, message FROM inv_events_007 ORDER BY created_at, event_key;
DROP TABLE inv_events_007;
CREATE INDEX inv_events_time ON inv_events (created_at, id);
CREATE INDEX inv_events_vm ON inv_events (site_id, vm_moref, created_at);
CREATE INDEX inv_events_user ON inv_events (user_name);

-- Where each site's always-on index stands, written by the process that indexes it (desktop app,
-- host or \`outpost serve\`) so another process (\`outpost site list\`) can show it; heartbeat_at
-- tells a live indexer from one that died without saying so.
CREATE TABLE inv_index_status (
  site_id        INTEGER PRIMARY KEY REFERENCES sites(id) ON DELETE CASCADE,
  state          TEXT NOT NULL,                        -- connecting, syncing, watching, backoff, failed, stopped
  retry_at       TEXT,
  last_change_at TEXT,
  last_event_at  TEXT,
  lag_ms         INTEGER,
  error_code     TEXT,
  error_message  TEXT,
  pid            INTEGER NOT NULL,
  heartbeat_at   TEXT NOT NULL
);
`;
