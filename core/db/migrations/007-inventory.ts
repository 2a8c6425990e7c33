/**
 * Live vCenter inventory: typed tables per object kind (the generic inventory_objects of 001 stays
 * unused), each row keyed by (site, moref), kept with removed_at when vCenter drops the object;
 * seen_run marks which full sync last saw a row, so a sync that completes can mark the rest
 * removed without holding every moref in memory. An FTS5 index over VM name, IPs, host name and
 * guest OS serves search; a trigger updates it only when an indexed column changed.
 * Also: imported CAs (the trust store), sync bookkeeping on sites, and recorded VM events.
 */
export const sql = /* sql */ `
ALTER TABLE sites ADD COLUMN sync_run INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sites ADD COLUMN last_sync_ms INTEGER;
ALTER TABLE sites ADD COLUMN last_error TEXT;          -- JSON contract error of the last failed sync
ALTER TABLE sites ADD COLUMN vcenter_about TEXT;       -- JSON: product name, version, build, instance uuid

CREATE TABLE trusted_cas (
  id          INTEGER PRIMARY KEY,
  fingerprint TEXT NOT NULL UNIQUE,                    -- SHA-256, colon hex
  subject     TEXT NOT NULL,
  pem         TEXT NOT NULL,
  added_at    TEXT NOT NULL,
  added_by    TEXT NOT NULL
);

CREATE TABLE inv_datacenters (
  site_id       INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  moref         TEXT NOT NULL,
  name          TEXT NOT NULL,
  seen_run      INTEGER NOT NULL,
  first_seen_at TEXT NOT NULL,
  updated_at    TEXT NOT NULL,
  removed_at    TEXT,
  PRIMARY KEY (site_id, moref)
) WITHOUT ROWID;

CREATE TABLE inv_clusters (
  site_id          INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  moref            TEXT NOT NULL,
  name             TEXT NOT NULL,
  datacenter_moref TEXT,
  seen_run         INTEGER NOT NULL,
  first_seen_at    TEXT NOT NULL,
  updated_at       TEXT NOT NULL,
  removed_at       TEXT,
  PRIMARY KEY (site_id, moref)
) WITHOUT ROWID;

CREATE TABLE inv_hosts (
  site_id          INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  moref            TEXT NOT NULL,
  name             TEXT NOT NULL,
  cluster_moref    TEXT,
  datacenter_moref TEXT,
  version          TEXT,
  build            TEXT,
  connection_state TEXT,                               -- connected | disconnected | notResponding
  maintenance      INTEGER NOT NULL DEFAULT 0,
  power_state      TEXT,
  seen_run         INTEGER NOT NULL,
  first_seen_at    TEXT NOT NULL,
  updated_at       TEXT NOT NULL,
  removed_at       TEXT,
  PRIMARY KEY (site_id, moref)
) WITHOUT ROWID;

CREATE TABLE inv_networks (
  site_id          INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  moref            TEXT NOT NULL,
  name             TEXT NOT NULL,
  kind             TEXT NOT NULL,                      -- Network | DistributedVirtualPortgroup | OpaqueNetwork
  datacenter_moref TEXT,
  seen_run         INTEGER NOT NULL,
  first_seen_at    TEXT NOT NULL,
  updated_at       TEXT NOT NULL,
  removed_at       TEXT,
  PRIMARY KEY (site_id, moref)
) WITHOUT ROWID;

CREATE TABLE inv_datastores (
  site_id          INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  moref            TEXT NOT NULL,
  name             TEXT NOT NULL,
  type             TEXT,
  capacity_bytes   INTEGER,
  free_bytes       INTEGER,
  accessible       INTEGER,
  datacenter_moref TEXT,
  seen_run         INTEGER NOT NULL,
  first_seen_at    TEXT NOT NULL,
  updated_at       TEXT NOT NULL,
  removed_at       TEXT,
  PRIMARY KEY (site_id, moref)
) WITHOUT ROWID;

CREATE TABLE inv_vms (
  id                   INTEGER PRIMARY KEY,            -- rowid for the FTS index
  site_id              INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  moref                TEXT NOT NULL,
  name                 TEXT NOT NULL,
  uuid                 TEXT,
  instance_uuid        TEXT,
  guest_id             TEXT,
  guest_full_name      TEXT,
  power_state          TEXT,
  host_moref           TEXT,
  ip_address           TEXT,                           -- the primary address vCenter reports
  ip_addresses         TEXT NOT NULL DEFAULT '',        -- every guest address, space-separated
  guest_hostname       TEXT,
  tools_running_status TEXT,
  num_cpu              INTEGER,
  memory_mb            INTEGER,
  annotation           TEXT,
  folder_path          TEXT,
  seen_run             INTEGER NOT NULL,
  first_seen_at        TEXT NOT NULL,
  updated_at           TEXT NOT NULL,
  removed_at           TEXT,
  UNIQUE (site_id, moref)
);
CREATE INDEX inv_vms_name ON inv_vms (name);
CREATE INDEX inv_vms_live ON inv_vms (site_id, removed_at);

CREATE VIRTUAL TABLE inv_vms_fts USING fts5(
  name, ip_addresses, guest_hostname, guest_full_name, guest_id,
  content = 'inv_vms', content_rowid = 'id', tokenize = "unicode61 tokenchars '-'"
);
CREATE TRIGGER inv_vms_fts_insert AFTER INSERT ON inv_vms BEGIN
  INSERT INTO inv_vms_fts (rowid, name, ip_addresses, guest_hostname, guest_full_name, guest_id)
  VALUES (new.id, new.name, new.ip_addresses, new.guest_hostname, new.guest_full_name, new.guest_id);
END;
CREATE TRIGGER inv_vms_fts_delete AFTER DELETE ON inv_vms BEGIN
  INSERT INTO inv_vms_fts (inv_vms_fts, rowid, name, ip_addresses, guest_hostname, guest_full_name, guest_id)
  VALUES ('delete', old.id, old.name, old.ip_addresses, old.guest_hostname, old.guest_full_name, old.guest_id);
END;
CREATE TRIGGER inv_vms_fts_update AFTER UPDATE ON inv_vms
WHEN old.name IS NOT new.name OR old.ip_addresses IS NOT new.ip_addresses OR old.guest_hostname IS NOT new.guest_hostname
  OR old.guest_full_name IS NOT new.guest_full_name OR old.guest_id IS NOT new.guest_id
BEGIN
  INSERT INTO inv_vms_fts (inv_vms_fts, rowid, name, ip_addresses, guest_hostname, guest_full_name, guest_id)
  VALUES ('delete', old.id, old.name, old.ip_addresses, old.guest_hostname, old.guest_full_name, old.guest_id);
  INSERT INTO inv_vms_fts (rowid, name, ip_addresses, guest_hostname, guest_full_name, guest_id)
  VALUES (new.id, new.name, new.ip_addresses, new.guest_hostname, new.guest_full_name, new.guest_id);
END;

CREATE TABLE inv_events (
  site_id     INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  event_key   INTEGER NOT NULL,
  type        TEXT NOT NULL,                           -- VmCreatedEvent, VmPoweredOffEvent, ...
  vm_moref    TEXT,
  vm_name     TEXT,
  user_name   TEXT,
  created_at  TEXT NOT NULL,
  message     TEXT NOT NULL,
  PRIMARY KEY (site_id, event_key)
) WITHOUT ROWID;
`;
