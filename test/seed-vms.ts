import type { Sql } from '../core/db/sql.js';

const oses = ['Ubuntu Linux (64-bit)', 'Microsoft Windows Server 2019 (64-bit)', 'Red Hat Enterprise Linux 9 (64-bit)', 'Debian GNU/Linux 12 (64-bit)'];

/**
 * `count` VMs of one site written straight into the inventory store (no vCenter needed), for
 * tests and benches that need a store with VMs in it rather than a sync.
 */
export async function seedVms(sql: Sql, count: number, siteName = 'seeded'): Promise<void> {
  const now = new Date().toISOString();
  // One transaction: the rows land together and the write is synced once.
  await sql.transaction(async () => {
    const site = await sql.run('INSERT INTO sites (name, url, username, created_at, last_sync_at) VALUES (?, ?, ?, ?, ?)', [siteName, `https://vc.${siteName}.invalid/sdk`, siteName, now, now]);
    const siteId = site.lastId;
    const vm = `INSERT INTO inv_vms (site_id, moref, name, uuid, instance_uuid, guest_id, guest_full_name, power_state, host_moref, ip_address, ip_addresses,
         guest_hostname, tools_running_status, num_cpu, memory_mb, annotation, folder_path, seen_run, first_seen_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`;
    for (let i = 0; i < count; i++) {
      const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
      const name = `${['web', 'db', 'app', 'cache'][i % 4]}-${String(i).padStart(5, '0')}`;
      await sql.run(vm, [siteId, `vm-${i + 100}`, name, `uuid-${i}`, `iuuid-${i}`, 'otherGuest64', oses[i % oses.length]!, i % 5 === 0 ? 'poweredOff' : 'poweredOn', `host-${i % 64}`, ip, ip,
        `${name}.${siteName}.internal`, i % 7 === 0 ? 'guestToolsNotRunning' : 'guestToolsRunning', 1 + (i % 8), 1024 * (1 + (i % 16)), null, 'DC0/vm', now, now]);
    }
  });
}
