/**
 * Firewalls Outpost can drive (or instruct), and NAT records. One live record per public IP,
 * and one per private IP on a firewall: a second 1:1 NAT for either side is a conflict the
 * database refuses, whatever the code does.
 */
export const sql = /* sql */ `
CREATE TABLE firewalls (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL UNIQUE,
  driver     TEXT NOT NULL,                 -- linux-iptables | linux-nft | manual
  settings   TEXT NOT NULL DEFAULT '{}',    -- JSON: publicInterface, manual syntax
  connection TEXT NOT NULL DEFAULT '{}',    -- JSON: how commands reach it ({type: 'local', netns?} | later ssh)
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL
);

CREATE TABLE nat_records (
  id           INTEGER PRIMARY KEY,
  firewall_id  INTEGER NOT NULL REFERENCES firewalls(id) ON DELETE RESTRICT,
  public_ip    TEXT NOT NULL,
  private_ip   TEXT NOT NULL,
  vm           TEXT,                        -- the VM it serves, when known
  state        TEXT NOT NULL CHECK (state IN ('pending', 'active', 'removing', 'removed')),
  procedure_id TEXT,
  created_at   TEXT NOT NULL,
  created_by   TEXT NOT NULL,
  removed_at   TEXT,
  removed_by   TEXT
);
CREATE UNIQUE INDEX nat_records_live_public ON nat_records (public_ip) WHERE state != 'removed';
CREATE UNIQUE INDEX nat_records_live_private ON nat_records (firewall_id, private_ip) WHERE state != 'removed';
`;
