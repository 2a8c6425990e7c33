/**
 * Firewall policy beside 1:1 NAT: client allow-lists (per public address, or the whole firewall
 * when public_ip is NULL) and port forwards. A public IP:port is forwarded at most once, and an
 * allow-list entry exists once, whatever the code does.
 */
export const sql = /* sql */ `
CREATE TABLE nat_allow_rules (
  id           INTEGER PRIMARY KEY,
  firewall_id  INTEGER NOT NULL REFERENCES firewalls(id) ON DELETE RESTRICT,
  public_ip    TEXT,                        -- NULL: every public address of the firewall
  source       TEXT NOT NULL,               -- IPv4 CIDR, normalised (a.b.c.d/n)
  proto        TEXT CHECK (proto IN ('tcp', 'udp')),
  port         INTEGER CHECK (port BETWEEN 1 AND 65535),
  state        TEXT NOT NULL CHECK (state IN ('active', 'removed')),
  procedure_id TEXT,
  created_at   TEXT NOT NULL,
  created_by   TEXT NOT NULL,
  removed_at   TEXT,
  removed_by   TEXT
);
CREATE UNIQUE INDEX nat_allow_rules_live ON nat_allow_rules (firewall_id, IFNULL(public_ip, ''), source, IFNULL(proto, ''), IFNULL(port, 0)) WHERE state = 'active';

CREATE TABLE nat_forwards (
  id           INTEGER PRIMARY KEY,
  firewall_id  INTEGER NOT NULL REFERENCES firewalls(id) ON DELETE RESTRICT,
  public_ip    TEXT NOT NULL,
  public_port  INTEGER NOT NULL CHECK (public_port BETWEEN 1 AND 65535),
  proto        TEXT NOT NULL CHECK (proto IN ('tcp', 'udp')),
  private_ip   TEXT NOT NULL,
  private_port INTEGER NOT NULL CHECK (private_port BETWEEN 1 AND 65535),
  state        TEXT NOT NULL CHECK (state IN ('active', 'removed')),
  procedure_id TEXT,
  created_at   TEXT NOT NULL,
  created_by   TEXT NOT NULL,
  removed_at   TEXT,
  removed_by   TEXT
);
CREATE UNIQUE INDEX nat_forwards_live ON nat_forwards (public_ip, public_port, proto) WHERE state = 'active';
`;
