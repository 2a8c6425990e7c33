/**
 * VM search finds substrings: the FTS index over inv_vms moves from word prefixes
 * (unicode61) to FTS5's trigram tokenizer, so "M499" finds vm499 and "0.12" finds 10.0.12.7,
 * ignoring case. The index keeps the same columns and the same triggers (it stays in sync on
 * every insert, update and delete of inv_vms); 'rebuild' fills it from the rows already stored.
 * The queries are built by the inventory store alone (vmTextMatch in inventory-store.ts).
 */
export const sql = /* sql */ `
DROP TRIGGER inv_vms_fts_insert;
DROP TRIGGER inv_vms_fts_delete;
DROP TRIGGER inv_vms_fts_update;
DROP TABLE inv_vms_fts;
CREATE VIRTUAL TABLE inv_vms_fts USING fts5(
  name, ip_addresses, guest_hostname, guest_full_name, guest_id,
  content = 'inv_vms', content_rowid = 'id', tokenize = 'trigram'
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
INSERT INTO inv_vms_fts (inv_vms_fts) VALUES ('rebuild');
`;
