/**
 * VM search on PostgreSQL (issue 14: p95 493 ms at 50,000 VMs). SQLite keeps its FTS5 trigram
 * index (016) and runs nothing here. PostgreSQL stores the searched text once per row (a
 * generated column, kept by the server on every insert and update) with a pg_trgm index on it, so
 * a search checks one stored column instead of lower-casing and joining five per row; the
 * expression index of 007 makes way for it. The query side is pgMatching in inventory-store.ts.
 */
export const sql = /* sql */ `SELECT 1;`;

export const postgres = /* sql */ `
ALTER TABLE inv_vms ADD COLUMN search_text TEXT GENERATED ALWAYS AS (
  lower(name || ' ' || ip_addresses || ' ' || coalesce(guest_hostname, '') || ' ' || coalesce(guest_full_name, '') || ' ' || coalesce(guest_id, ''))
) STORED;
CREATE INDEX inv_vms_search_text ON inv_vms USING gin (search_text gin_trgm_ops);
DROP INDEX inv_vms_search;
`;
