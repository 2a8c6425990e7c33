import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { tempDir } from '../../test/temp-dir.js';
import { openStore, type Store } from '../db/store.js';
import { ansibleInventoryIni } from './ansible-inventory.js';
import { inventorySnapshot } from './inventory-snapshot.js';

describe('the Ansible export reads the inventory tables (real SQLite file)', () => {
  let dir: ReturnType<typeof tempDir>;
  let db: Store;
  beforeEach(async () => {
    dir = tempDir();
    db = await openStore(join(dir.path, 'o.db'));
    const at = new Date().toISOString();
    await db.sql.run(`INSERT INTO sites (name, url, username, created_at) VALUES ('lab', 'https://vc/sdk', 'u', ?)`, [at]);
    await db.sql.run(`INSERT INTO inv_clusters (site_id, moref, name, seen_run, first_seen_at, updated_at) VALUES (1, 'domain-c1', 'Prod', 1, ?, ?)`, [at, at]);
    const host = `INSERT INTO inv_hosts (site_id, moref, name, cluster_moref, version, build, seen_run, first_seen_at, updated_at, removed_at) VALUES (1, ?, ?, ?, '8.0.3', ?, 1, ?, ?, ?)`;
    await db.sql.run(host, ['host-1', 'esx01', 'domain-c1', '24022510', at, at, null]);
    await db.sql.run(host, ['host-2', 'esx02', null, '21203435', at, at, null]);
    await db.sql.run(host, ['host-3', 'gone', 'domain-c1', '1', at, at, at]);
  });
  afterEach(async () => {
    await db.close();
    dir.remove();
  });

  it('groups hosts by site and cluster, leaves removed hosts out, and has no enrolled VMs while nothing is enrolled', async () => {
    const s = await inventorySnapshot(db.sql, 'lab');
    expect(s.sites).toEqual([{ name: 'lab', clusters: [{ name: 'Prod', hosts: [{ name: 'esx01', address: 'esx01', build: '24022510', version: '8.0.3' }] }], standaloneHosts: [{ name: 'esx02', address: 'esx02', build: '21203435', version: '8.0.3' }] }]);
    expect(s.enrolledVms).toEqual([]);
    await expect(inventorySnapshot(db.sql, 'nope')).rejects.toThrow(/No site named "nope"/);
  });

  it('lists the VMs the CMDB holds as enrolled (not offboarded ones, not ones without a public IP), Windows apart', async () => {
    const record = `INSERT INTO cmdb_records (site_id, vm_moref, vm_name, os, private_ip, public_ip, firewall, credential, service_account, enrolled_at, enrolled_by, offboarded_at)
       VALUES (1, ?, ?, ?, ?, ?, 'fw', 'guest', 'outpost', '2026-01-01T00:00:00Z', 'op', ?)`;
    await db.sql.run(record, ['vm-1', 'web-1', 'Ubuntu Linux (64-bit)', '10.0.0.5', '203.0.113.10', null]);
    await db.sql.run(record, ['vm-2', 'dc-1', 'Microsoft Windows Server 2022 (64-bit)', '10.0.0.6', '203.0.113.11', null]);
    await db.sql.run(record, ['vm-3', 'half', 'Ubuntu Linux (64-bit)', '10.0.0.7', null, null]);
    await db.sql.run(record, ['vm-4', 'gone', 'Ubuntu Linux (64-bit)', '10.0.0.8', '203.0.113.12', '2026-02-01T00:00:00Z']);
    const s = await inventorySnapshot(db.sql);
    expect(s.enrolledVms.map((v) => [v.name, v.osFamily])).toEqual([
      ['dc-1', 'windows'],
      ['web-1', 'linux'],
    ]);
    const ini = ansibleInventoryIni(s);
    expect(ini).toContain('web-1 ansible_host="203.0.113.10"');
    expect(ini).toContain('[enrolled_windows]');
  });
});
