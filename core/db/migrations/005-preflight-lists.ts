/** Saved preflight lists: named sets of HOST:PORT an operator checks again and again. */
export const sql = /* sql */ `
CREATE TABLE preflight_lists (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL UNIQUE,
  targets    TEXT NOT NULL,               -- JSON [{host, port}]
  timeout_ms INTEGER NOT NULL DEFAULT 3000,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
`;
