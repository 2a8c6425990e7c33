/**
 * The CMDB of guest OS enrollment (GOSS): one row per enrollment of a VM. A VM is identified as
 * the inventory does (site + moref, with vCenter's instance uuid kept for renames and re-registers).
 * A row is "active" while offboarded_at is NULL; the partial unique index makes a second active
 * row for the same VM a constraint error, whatever the code does. Offboarding closes the row
 * (history stays).
 */
export const sql = /* sql */ `
CREATE TABLE cmdb_records (
  id                    INTEGER PRIMARY KEY,
  site_id               INTEGER NOT NULL REFERENCES sites(id) ON DELETE RESTRICT,
  vm_moref              TEXT NOT NULL,
  instance_uuid         TEXT,
  vm_name               TEXT NOT NULL,
  os                    TEXT,                          -- guest OS as vCenter reports it (guestFullName)
  os_rule               TEXT,                          -- id of the matching rule in os-requirements.json
  private_ip            TEXT NOT NULL,
  public_ip             TEXT,
  nat_record_id         INTEGER REFERENCES nat_records(id) ON DELETE RESTRICT,
  firewall              TEXT NOT NULL,
  credential            TEXT NOT NULL,                 -- name of the guest credential profile (never the secret)
  service_account       TEXT NOT NULL,
  credential_method     TEXT,                          -- guest-api | ssh | winrm
  enrolled_at           TEXT NOT NULL,
  enrolled_by           TEXT NOT NULL,
  offboarded_at         TEXT,
  offboarded_by         TEXT,
  enroll_procedure_id   TEXT,
  offboard_procedure_id TEXT
);
CREATE UNIQUE INDEX cmdb_records_active_vm ON cmdb_records (site_id, vm_moref) WHERE offboarded_at IS NULL;
CREATE INDEX cmdb_records_enrolled ON cmdb_records (enrolled_at);
`;
