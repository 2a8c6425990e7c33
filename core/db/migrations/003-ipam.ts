/**
 * IPAM: pools, allocations and their history. Conflicts are prevented by unique indexes, not by
 * hope: one active allocation per address in a pool, and one per (pool, owner, purpose) so that
 * a procedure resumed after a crash gets its address back instead of a second one.
 */
export const sql = /* sql */ `
CREATE TABLE ip_pools (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL UNIQUE,
  cidr       TEXT NOT NULL,                -- canonical, host bits clear
  family     INTEGER NOT NULL CHECK (family IN (4, 6)),
  kind       TEXT NOT NULL CHECK (kind IN ('public', 'private')),
  scope      TEXT NOT NULL DEFAULT '',     -- '' = global; a site name for per-site private ranges
  gateway    TEXT,
  reserved   TEXT NOT NULL DEFAULT '[]',   -- JSON [{start, end, reason}]
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL
);

CREATE TABLE ip_allocations (
  id           INTEGER PRIMARY KEY,
  pool_id      INTEGER NOT NULL REFERENCES ip_pools(id) ON DELETE RESTRICT,
  address      TEXT NOT NULL,              -- canonical text
  address_key  TEXT NOT NULL,              -- fixed-width hex, sorts numerically
  owner        TEXT NOT NULL,              -- what holds it, e.g. vm:<instanceUuid>
  purpose      TEXT NOT NULL,              -- e.g. 'private', 'public-nat'
  procedure_id TEXT,
  allocated_at TEXT NOT NULL,
  allocated_by TEXT NOT NULL,
  released_at  TEXT,
  released_by  TEXT
);
CREATE UNIQUE INDEX ip_allocations_active_address ON ip_allocations (pool_id, address) WHERE released_at IS NULL;
CREATE UNIQUE INDEX ip_allocations_active_owner ON ip_allocations (pool_id, owner, purpose) WHERE released_at IS NULL;
CREATE INDEX ip_allocations_pool_key ON ip_allocations (pool_id, address_key);

CREATE TABLE ip_history (
  id         INTEGER PRIMARY KEY,
  pool_id    INTEGER NOT NULL REFERENCES ip_pools(id) ON DELETE RESTRICT,
  address    TEXT,
  event      TEXT NOT NULL CHECK (event IN ('pool-created', 'allocated', 'released', 'conflict')),
  owner      TEXT,
  actor      TEXT NOT NULL,
  at         TEXT NOT NULL,
  details    TEXT
);
CREATE INDEX ip_history_pool ON ip_history (pool_id, id);
`;
