import { OutpostError } from '../contract/errors.js';
import type { Sql } from '../db/sql.js';
import type { StoredSite } from '../sites/site-session.js';
import { InventoryStore } from './inventory-store.js';

// Here, not in sites/: inv_vms is the inventory's table, and sites/ sits below inventory/.
/** A VM of a stored site by name, moref or UUID, from the synced inventory (inv_vms). */
export async function storedVm(db: Sql, site: StoredSite, vm: string): Promise<{ moref: string; name: string }> {
  const rows = await new InventoryStore(db).vmsByRef(site.id, vm);
  if (rows.length === 0) throw new OutpostError('NOT_FOUND', `No VM "${vm}" in site ${site.name}'s inventory. Sync it first: outpost inventory sync --site ${site.name}`, { vm });
  if (rows.length > 1) {
    throw new OutpostError('CONFLICT', `${rows.length} VMs in ${site.name} are named "${vm}"; give the moref instead (${rows.map((r) => r.moref).join(', ')}).`, { morefs: rows.map((r) => r.moref) });
  }
  return rows[0]!;
}
