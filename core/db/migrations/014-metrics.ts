/**
 * Each long-running Outpost process (desktop app, host, `outpost serve`) writes its metrics here
 * every few seconds, so `outpost metrics` (another process) can print them without a port.
 * One row per process; a row whose process died is shown as stale and pruned after a day.
 */
export const sql = /* sql */ `
CREATE TABLE metrics_snapshots (
  process    TEXT PRIMARY KEY,                         -- "serve:PID@HOST", "host:PID@HOST", ...
  pid        INTEGER NOT NULL,
  role       TEXT NOT NULL,
  written_at TEXT NOT NULL,
  body       TEXT NOT NULL                             -- the registry's JSON snapshot
);
`;
