/**
 * Recent tasks (the operator's shell, issue item 2): one row per long action (site sync, VM power
 * change, fan-out job, procedure run) with its state and progress, so every process (desktop,
 * host, CLI) shows the same feed. Bounded: core/tasks/task-store.ts keeps the newest rows only.
 */
export const sql = /* sql */ `
CREATE TABLE tasks (
  id            TEXT PRIMARY KEY,                        -- procedure id, fan-out job id, or a new uuid
  kind          TEXT NOT NULL CHECK (kind IN ('site.sync', 'vm.power', 'fanout', 'procedure')),
  title         TEXT NOT NULL,
  target        TEXT,
  state         TEXT NOT NULL CHECK (state IN ('queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled')),
  waiting_for   TEXT CHECK (waiting_for IN ('approval', 'timer')),
  progress      REAL,
  detail        TEXT,
  started_by    TEXT NOT NULL,
  started_at    TEXT NOT NULL,
  updated_at    TEXT NOT NULL,
  finished_at   TEXT,
  error         TEXT,                                    -- JSON {code, message}
  link_view     TEXT NOT NULL,
  link_ref      TEXT,
  link_params   TEXT,                                    -- JSON {name: value}: the view's state (a search, a selection)
  runner        TEXT                                     -- JSON {host, pid, startedAt}: the process that last moved it
);
CREATE INDEX tasks_started ON tasks (started_at DESC);
CREATE INDEX tasks_active ON tasks (state) WHERE state IN ('queued', 'running', 'waiting');
`;
