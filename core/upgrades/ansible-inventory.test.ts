import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../test/temp-dir.js';
import { ansibleInventoryIni, ansibleInventoryYaml, groupName, type InventorySnapshot } from './ansible-inventory.js';

const snapshot: InventorySnapshot = {
  sites: [
    {
      name: 'DC-East',
      clusters: [{ name: 'Compute 01', hosts: [{ name: 'esx01.lab', address: '10.0.0.21', build: '24022510', version: '8.0.3' }, { name: 'esx02.lab', address: '10.0.0.22', build: '20842708', version: '8.0.1' }] }],
      standaloneHosts: [{ name: 'esx-mgmt.lab', address: null, build: null, version: null }],
    },
  ],
  enrolledVms: [
    { name: 'web-1', site: 'DC-East', publicIp: '203.0.113.10', privateIp: '10.77.0.10', osFamily: 'linux', user: 'outpost' },
    { name: 'sql-1', site: 'DC-East', publicIp: '203.0.113.11', privateIp: '10.77.0.11', osFamily: 'windows' },
  ],
  groups: { 'web tier': ['web-1'] },
};

const hasAnsible = spawnSync('sh', ['-c', 'command -v ansible-inventory']).status === 0;

describe('Ansible inventory export', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => dir.remove());

  it('names groups as Ansible accepts them', () => {
    expect(groupName('cluster', 'DC-East Compute 01')).toBe('cluster_dc_east_compute_01');
    expect(groupName('site', '***')).toBe('site_unnamed');
  });

  it('writes INI with site, cluster, ESXi, enrolled and custom groups', () => {
    const ini = ansibleInventoryIni(snapshot);
    expect(ini).toContain('[cluster_dc_east_compute_01]\nesx01.lab ansible_host="10.0.0.21" outpost_esxi_version="8.0.3" outpost_esxi_build=\'"24022510"\' outpost_site="DC-East" outpost_cluster="Compute 01"');
    expect(ini).toContain('[site_dc_east:children]\ncluster_dc_east_compute_01');
    expect(ini).toContain('[enrolled_windows]\nsql-1 ansible_host="203.0.113.11" outpost_private_ip="10.77.0.11" outpost_site="DC-East" ansible_connection="winrm" ansible_winrm_transport="ntlm"');
    expect(ini).toContain('[group_web_tier]\nweb-1');
  });

  it('never merges two distinct clusters whose names clean to the same group (each gets a stable hash); a name no other shares stays plain', () => {
    const host = (name: string) => ({ name, address: null, build: null, version: null });
    const colliding: InventorySnapshot = {
      sites: [{ name: 'lab', clusters: [{ name: 'Prod Cluster ü #1', hosts: [host('esx-a')] }, { name: 'Prod-Cluster #1', hosts: [host('esx-b')] }, { name: 'Edge', hosts: [host('esx-c')] }], standaloneHosts: [] }],
      enrolledVms: [],
      groups: { 'web tier': ['esx-a'], 'web-tier': ['esx-b'] },
    };
    const read = (text: string): Record<string, { hosts?: string[] }> => {
      const groups: Record<string, { hosts?: string[] }> = {};
      let current = '';
      for (const line of text.split('\n')) {
        const m = /^\[([^\]:]+)\]$/.exec(line);
        if (m) current = m[1]!;
        else if (/^\[/.test(line)) current = '';
        else if (current && line.trim()) (groups[current] ??= { hosts: [] }).hosts!.push(line.split(' ')[0]!);
      }
      return groups;
    };
    const groups = read(ansibleInventoryIni(colliding));
    const prod = Object.keys(groups).filter((g) => g.startsWith('cluster_lab_prod_cluster_1'));
    expect(prod).toHaveLength(2);
    expect(prod.map((g) => groups[g]!.hosts).sort()).toEqual([['esx-a'], ['esx-b']]);
    for (const g of prod) expect(g).toMatch(/^cluster_lab_prod_cluster_1_[0-9a-f]{6}$/);
    expect(groups.cluster_lab_edge!.hosts).toEqual(['esx-c']);
    expect(Object.keys(groups).filter((g) => g.startsWith('group_web_tier'))).toHaveLength(2);
    // Deterministic: the same inventory gives the same names on every export.
    expect(read(ansibleInventoryIni(colliding))).toEqual(groups);
  });

  it.skipIf(!hasAnsible)('INI and YAML are read by ansible-inventory into the same inventory', () => {
    const read = (file: string, text: string): unknown => {
      writeFileSync(join(dir.path, file), text);
      const r = spawnSync('ansible-inventory', ['-i', join(dir.path, file), '--list'], {
        encoding: 'utf8',
        env: { ...process.env, ANSIBLE_LOCAL_TEMP: join(dir.path, 'tmp'), ANSIBLE_HOME: join(dir.path, 'home'), ANSIBLE_INVENTORY_UNPARSED_FAILED: 'true' },
      });
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout);
    };
    const fromIni = read('hosts.ini', ansibleInventoryIni(snapshot)) as { _meta: { hostvars: Record<string, Record<string, unknown>> } };
    const fromYaml = read('hosts.yml', ansibleInventoryYaml(snapshot));
    expect(fromYaml).toEqual(fromIni);
    expect(fromIni._meta.hostvars['esx01.lab']).toMatchObject({ ansible_host: '10.0.0.21', outpost_cluster: 'Compute 01' });
    expect(fromIni._meta.hostvars['web-1']).toMatchObject({ ansible_host: '203.0.113.10', ansible_user: 'outpost' });
  });
});
