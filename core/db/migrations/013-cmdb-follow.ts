/**
 * The CMDB follows vCenter: a record whose VM vCenter deleted is flagged (its NAT and
 * addresses are orphans until offboarded), and a guest IP that no longer matches the private IP
 * the NAT points at is kept as a drift warning until the guest reports that IP again.
 */
export const sql = /* sql */ `
ALTER TABLE cmdb_records ADD COLUMN vcenter_deleted_at TEXT;
ALTER TABLE cmdb_records ADD COLUMN guest_ip_seen TEXT;
ALTER TABLE cmdb_records ADD COLUMN guest_ip_seen_at TEXT;
`;
