import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { startVcsim, vcsimUnavailable, type Vcsim } from '../../test/peers/vcsim.js';
import { VsphereOperator } from '../../test/peers/vsphere-operator.js';
import { runOutpost } from '../../test/outpost-binary.js';
import { tempDir } from '../../test/temp-dir.js';
import type { CommandInput, CommandName, CommandOutput } from '../contract/commands.js';
import type { VmSummary } from '../contract/inventory.js';
import { createOutpostCore, type OutpostCore } from '../server/core.js';
import { defaultKdf } from '../vault/passphrase-cipher.js';

const unavailable = vcsimUnavailable();
if (unavailable) console.log(`inventory details tests skipped: ${unavailable}`);
const passphrase = 'inventory details passphrase';

async function until<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs: number): Promise<{ value: T; ms: number }> {
  const t0 = Date.now();
  for (;;) {
    const v = await read();
    if (ok(v)) return { value: v, ms: Date.now() - t0 };
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const vmDetail = z.object({
  num_cpu: z.number().nullable(),
  memory_mb: z.number().nullable(),
  disk_count: z.number().nullable(),
  nic_count: z.number().nullable(),
  snapshot_count: z.number(),
  snapshot_oldest: z.string().nullable(),
  disks: z.string(),
  nics: z.string(),
  custom_attributes: z.string(),
  resource_pool: z.string().nullable(),
  provisioned_bytes: z.number().nullable(),
  tools_version: z.string().nullable(),
});

// RVTools-grade inventory against vcsim: the details a full sync stores, a second vSphere session
// changing a VM behind Outpost's back (each change in the store within about a second), and the
// export of every view from the built CLI (the xlsx read back with exceljs).
describe.skipIf(unavailable !== null)('RVTools-grade inventory against vcsim', () => {
  let vc: Vcsim;
  let operator: VsphereOperator;
  let dir: ReturnType<typeof tempDir>;
  let core: OutpostCore;
  const call = async <N extends CommandName>(command: N, input: CommandInput<N>): Promise<CommandOutput<N>> => {
    const r = await core.dispatch(command, input);
    if (!r.ok) throw new Error(`${command}: ${JSON.stringify(r.error)}`);
    return r.value as CommandOutput<N>;
  };
  const detail = async (moref: string) => (await core.sql.get('SELECT * FROM inv_vms WHERE moref = ?', [moref], vmDetail.passthrough()))!;

  beforeAll(async () => {
    vc = await startVcsim({ vms: 6, clusters: 1, hosts: 2 });
    operator = await VsphereOperator.connect(vc);
    dir = tempDir();
    core = await createOutpostCore({ dataDir: dir.path, transport: 'test', checkOutputs: true, kdf: { ...defaultKdf, N: 2 ** 10 }, passphrase });
    core.services.inventory.watchTuning = { backoff: { initialMs: 100, maxMs: 1_000 }, maxWaitSeconds: 2 };
    await call('sites.add', { name: 'lab', url: vc.url, username: vc.username, password: vc.password, trustFingerprint: vc.fingerprint });
  }, 180_000);
  afterAll(async () => {
    await core?.services.inventory.close();
    await core?.close();
    await operator?.close();
    await vc?.stop();
    dir?.remove();
  });

  it('a full sync stores disks, NICs, pool, storage and host/datastore capacity; live changes by another session reach the store within ~1 s', async () => {
    await call('inventory.sync', { site: 'lab' });
    const vms = (await call('vms.list', { site: 'lab' })) as VmSummary[];
    const vm = vms[0]!;
    const before = await detail(vm.moref);
    expect(before).toMatchObject({ disk_count: 1, nic_count: 1, snapshot_count: 0, resource_pool: 'Resources' });
    expect(JSON.parse(before.disks)).toEqual([expect.objectContaining({ capacityBytes: 1024 * 1024, datastore: 'LocalDS_0', thin: expect.any(Boolean) })]);
    expect(JSON.parse(before.nics)).toEqual([expect.objectContaining({ network: 'VM Network', connected: expect.any(Boolean), mac: expect.stringMatching(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/), ips: expect.arrayContaining([vm.ipAddress]) })]);
    const hosts = await call('inventory.view', { view: 'vhost', site: 'lab' });
    const col = (name: string) => hosts.columns.indexOf(name);
    expect(hosts.rows).toHaveLength(2);
    for (const r of hosts.rows) {
      expect(r[col('cores')]).toBeGreaterThan(0);
      expect(r[col('memoryMiB')]).toBeGreaterThan(0);
    }
    const ds = await call('inventory.view', { view: 'vdatastore', site: 'lab' });
    expect(ds.rows.length).toBeGreaterThan(0);
    expect(ds.rows[0]![ds.columns.indexOf('capacityMiB')]).toBeGreaterThan(0);

    await call('inventory.watch.start', { site: 'lab' });
    await until('watching', async () => core.services.inventory.watcher('lab')?.current.state, (s) => s === 'watching', 10_000);
    const timings: Record<string, number> = {};

    await operator.setCpuMemory(vm.moref, 4, 2048);
    timings['cpu+memory'] = (await until('cpu/memory', () => detail(vm.moref), (d) => d.num_cpu === 4 && d.memory_mb === 2048, 5_000)).ms;
    await operator.addDisk(vm.moref, 2 * 1024 * 1024, 1);
    timings['disk'] = (await until('new disk', () => detail(vm.moref), (d) => d.disk_count === 2, 5_000)).ms;
    expect(JSON.parse((await detail(vm.moref)).disks)).toContainEqual(expect.objectContaining({ capacityBytes: 2 * 1024 ** 3, thin: true }));
    await operator.addNic(vm.moref, 'VM Network');
    timings['nic'] = (await until('new NIC', () => detail(vm.moref), (d) => d.nic_count === 2, 5_000)).ms;
    await operator.snapshot(vm.moref, 'before-upgrade');
    const snap = await until('snapshot', () => detail(vm.moref), (d) => d.snapshot_count === 1, 5_000);
    timings['snapshot'] = snap.ms;
    expect(snap.value.snapshot_oldest).toMatch(/^\d{4}-\d\d-\d\dT/);
    console.log(`inventory details: change -> store ms ${JSON.stringify(timings)}`);
    for (const [what, ms] of Object.entries(timings)) expect(ms, what).toBeLessThan(1_500);

    // The views see the same: vDisk has two rows for the VM, vSnapshot one, vNetwork two.
    const rowsOf = async (view: 'vdisk' | 'vnetwork' | 'vsnapshot') => {
      const v = await call('inventory.view', { view, site: 'lab' });
      return v.rows.filter((r) => r[v.columns.indexOf('vm')] === vm.name);
    };
    expect(await rowsOf('vdisk')).toHaveLength(2);
    expect(await rowsOf('vnetwork')).toHaveLength(2);
    expect((await rowsOf('vsnapshot'))[0]).toContain('before-upgrade');
  });

  it('a custom attribute set without a property update (vcsim SetField) is picked up on the next VmReconfiguredEvent', async () => {
    const vm = ((await call('vms.list', { site: 'lab' })) as VmSummary[])[1]!;
    const key = await operator.addCustomField('Owner');
    await operator.setCustomField(vm.moref, key, 'team-7');
    await operator.setCpuMemory(vm.moref, 2, 1024);
    const d = await until('custom attribute', () => detail(vm.moref), (x) => x.custom_attributes.includes('team-7'), 5_000);
    expect(JSON.parse(d.value.custom_attributes)).toEqual({ Owner: 'team-7' });
  });

  it('the tree counts VMs per datacenter, cluster, host and folder; a scope filters a view', async () => {
    const tree = await call('inventory.tree', { site: 'lab' });
    const site = tree.find((n) => n.kind === 'site')!;
    expect(site.vms).toBe(6);
    const hostNodes = tree.filter((n) => n.kind === 'host');
    expect(hostNodes.reduce((n, h) => n + h.vms, 0)).toBe(6);
    const folder = tree.find((n) => n.kind === 'folder')!;
    expect(folder.vms).toBe(6);
    const one = hostNodes.find((h) => h.vms > 0)!;
    const scoped = await call('inventory.view', { view: 'vinfo', scope: one.scope });
    expect(scoped.rows).toHaveLength(one.vms);
    expect(new Set(scoped.rows.map((r) => r[scoped.columns.indexOf('host')]))).toEqual(new Set([one.name]));
  });

  it('outpost inventory export writes CSV and .xlsx for every view; bad input is refused before anything is written', async () => {
    await core.services.inventory.close();
    await core.close();
    const outpost = (...args: string[]) => runOutpost(['--db', join(dir.path, 'outpost.db'), ...args], { env: { OUTPOST_VAULT_PASSPHRASE: passphrase } });
    const csvFile = join(dir.path, 'vinfo.csv');
    const csv = await outpost('inventory', 'export', '--view', 'vinfo', '--format', 'csv', '--site', 'lab', '--out', csvFile);
    expect(csv.code, csv.stderr).toBe(0);
    expect(csv.stdout).toContain('6 vInfo rows written');
    const lines = readFileSync(csvFile, 'utf8').trimEnd().split('\r\n');
    expect(lines[0]).toBe('VM,Powerstate,Cluster,Host,Folder,OS,Primary IP,DNS name,CPUs,Memory MiB,Provisioned MiB,In use MiB,Annotation');
    expect(lines).toHaveLength(7);

    const xlsxFile = join(dir.path, 'vdisk.xlsx');
    const xlsx = await outpost('--json', 'inventory', 'export', '--view', 'vdisk', '--format', 'xlsx', '--out', xlsxFile);
    expect(xlsx.code, xlsx.stderr).toBe(0);
    expect(JSON.parse(xlsx.stdout)).toMatchObject({ view: 'vdisk', format: 'xlsx', rows: 7 });
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(xlsxFile);
    const sheet = book.getWorksheet('vDisk')!;
    expect(sheet.rowCount).toBe(8);
    const header = (sheet.getRow(1).values as unknown[]).slice(1);
    expect(header).toEqual(['VM', 'Powerstate', 'Cluster', 'Host', 'Disk', 'Capacity MiB', 'Datastore', 'Thin', 'Path']);
    const capacities = [2, 3, 4, 5, 6, 7, 8].map((i) => sheet.getRow(i).getCell(6).value);
    expect(capacities).toContain(2048);
    expect(capacities.every((c) => typeof c === 'number')).toBe(true);

    // Each run of the binary opens the store (~3 s here): three more views, the rest are the same code path.
    for (const view of ['vsnapshot', 'vhost', 'vdatastore']) {
      const r = await outpost('inventory', 'export', '--view', view, '--format', 'csv', '--out', join(dir.path, `${view}.csv`));
      expect(r.code, `${view}: ${r.stderr}`).toBe(0);
    }

    const badView = await outpost('inventory', 'export', '--view', 'vbogus', '--format', 'csv', '--out', join(dir.path, 'x.csv'));
    expect(badView.code).not.toBe(0);
    expect(badView.stderr).toMatch(/--view must be one of vinfo, vcpu/);
    const badSite = await outpost('inventory', 'export', '--view', 'vinfo', '--site', 'nope', '--out', join(dir.path, 'y.csv'));
    expect(badSite.stderr).toContain('NOT_FOUND');
    const mismatch = await outpost('inventory', 'export', '--view', 'vinfo', '--format', 'xlsx', '--out', join(dir.path, 'z.csv'));
    expect(mismatch.code).not.toBe(0);
    expect(readdirSync(dir.path).join('\n')).not.toMatch(/\b[xyz]\.csv|partial/);
  }, 120_000);
});
