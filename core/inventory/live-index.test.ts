import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startVcsim, vcsimUnavailable, type Vcsim } from '../../test/peers/vcsim.js';
import { VsphereOperator } from '../../test/peers/vsphere-operator.js';
import { tempDir } from '../../test/temp-dir.js';
import type { CommandOutput } from '../contract/commands.js';
import type { SiteSummary, VcenterEvent, VmSummary } from '../contract/inventory.js';
import { createOutpostCore, type CoreOptions, type OutpostCore } from '../server/core.js';
import { defaultKdf } from '../vault/passphrase-cipher.js';
import { readEventsSince, type VsphereEvent } from '../vsphere/events.js';
import { until } from '../../test/until.js';

const unavailable = vcsimUnavailable();
if (unavailable) console.log(`live index tests skipped: ${unavailable}`);

const passphrase = 'live index tests passphrase';


// The always-on index (core option liveIndex, as the desktop app, the host and `outpost serve`
// start it) against vcsim, with a second vSphere session changing things behind Outpost's back.
describe.skipIf(unavailable !== null)('always-on index and vCenter events against vcsim', () => {
  let vc: Vcsim;
  let operator: VsphereOperator;
  let dir: ReturnType<typeof tempDir>;
  const cores: OutpostCore[] = [];

  const open = async (extra: Partial<CoreOptions> = {}): Promise<OutpostCore> => {
    const core = await createOutpostCore({ dataDir: dir.path, transport: 'test', checkOutputs: true, kdf: { ...defaultKdf, N: 2 ** 10 }, passphrase, ...extra });
    core.services.inventory.watchTuning = { backoff: { initialMs: 100, maxMs: 1_000 }, maxWaitSeconds: 2 };
    cores.push(core);
    return core;
  };
  const shut = async (core: OutpostCore): Promise<void> => {
    await core.services.inventory.close();
    await core.close();
    cores.splice(cores.indexOf(core), 1);
  };
  const call = async <N extends Parameters<OutpostCore['dispatch']>[0] & string>(core: OutpostCore, command: N, input: unknown): Promise<never> => {
    const r = await core.dispatch(command, input);
    if (!r.ok) throw new Error(`${command}: ${JSON.stringify(r.error)}`);
    return r.value as never;
  };
  const events = async (core: OutpostCore, input: Record<string, unknown> = {}): Promise<VcenterEvent[]> =>
    (await call<'events.list'>(core, 'events.list', { limit: 1000, ...input }) as CommandOutput<'events.list'>).events;
  const vm = async (core: OutpostCore, moref: string): Promise<VmSummary | undefined> =>
    ((await call(core, 'vms.list', { site: 'lab', includeRemoved: true, limit: 1000 })) as VmSummary[]).find((v) => v.moref === moref);
  /** Every event vcsim holds, read on the operator's own session. */
  const vcenterEvents = async (): Promise<VsphereEvent[]> => {
    const all: VsphereEvent[] = [];
    await readEventsSince(operator.session, 0, null, (b) => void all.push(...b));
    return all;
  };

  beforeAll(async () => {
    vc = await startVcsim({ vms: 12, clusters: 1, hosts: 2 });
    operator = await VsphereOperator.connect(vc);
  }, 120_000);
  afterAll(async () => {
    await operator?.close();
    await vc?.stop();
  });
  beforeEach(async () => {
    dir = tempDir();
    const setup = await open();
    await call(setup, 'sites.add', { name: 'lab', url: vc.url, username: vc.username, password: vc.password, trustFingerprint: vc.fingerprint });
    await shut(setup);
  });
  afterEach(async () => {
    for (const core of [...cores]) await shut(core);
    dir.remove();
  });

  it('a started core indexes a site without any toggle; power off, rename and destroy by another session arrive within seconds with their event and user', async () => {
    const core = await open({ liveIndex: 'prefer' });
    expect(core.indexer).toEqual({ self: true, pid: process.pid });
    await until('the site is live', () => core.services.inventory.watcher('lab')?.current.state, (s) => s === 'watching');
    const sites = (await call(core, 'sites.list', {})) as SiteSummary[];
    expect(sites[0]).toMatchObject({ name: 'lab', connected: true, index: { state: 'watching', pid: process.pid, stale: false, lastError: null } });
    const vms = (await call(core, 'vms.list', { site: 'lab' })) as VmSummary[];
    expect(vms).toHaveLength(12);
    const [a, b, c] = [vms[0]!, vms[1]!, vms[2]!];

    let t0 = Date.now();
    await operator.power(a.moref, 'off');
    await until('power off in the store', () => vm(core, a.moref), (v) => v?.powerState === 'poweredOff', 5_000);
    const off = await until('its event', () => events(core, { vm: a.moref, type: 'VmPoweredOffEvent' }), (e) => e.length === 1, 5_000);
    expect(off[0]).toMatchObject({ site: 'lab', vmName: a.name, userName: vc.username, hostName: a.host });
    const powerOffMs = Date.now() - t0;

    t0 = Date.now();
    await operator.renameVm(b.moref, 'renamed-<b>&"x"');
    await until('rename in the store', () => vm(core, b.moref), (v) => v?.name === 'renamed-<b>&"x"', 5_000);
    const renamed = await until('its event', () => events(core, { vm: b.moref, type: 'VmRenamedEvent' }), (e) => e.length === 1, 5_000);
    expect(renamed[0]).toMatchObject({ userName: vc.username, vmName: 'renamed-<b>&"x"' });
    const renameMs = Date.now() - t0;

    t0 = Date.now();
    await operator.power(c.moref, 'off');
    await operator.destroyVm(c.moref);
    await until('destroy in the store', () => vm(core, c.moref), (v) => v?.removedAt !== null, 5_000);
    const removed = await until('its event', () => events(core, { vm: c.moref, type: 'VmRemovedEvent' }), (e) => e.length === 1, 5_000);
    expect(removed[0]!.userName).toBe(vc.username);
    console.log(`live index: power off ${powerOffMs} ms, rename ${renameMs} ms, destroy ${Date.now() - t0} ms to store and event`);

    // Filters: by user, by type prefix, by host; the status row says when the last event came.
    expect((await events(core, { user: 'nobody' })).length).toBe(0);
    expect((await events(core, { type: 'Vm*' })).every((e) => e.type.startsWith('Vm'))).toBe(true);
    expect((await events(core, { host: a.host! })).some((e) => e.vmMoref === a.moref)).toBe(true);
    const status = core.services.inventory.watcher('lab')!.current;
    expect(status.lastEventAt).not.toBeNull();
    expect(status.lagMs).toBeGreaterThanOrEqual(0);
  });

  it('a site added while the index runs is indexed at once; removing it stops its watcher', async () => {
    const core = await open({ liveIndex: 'prefer' });
    await until('lab live', () => core.services.inventory.watcher('lab')?.current.state, (s) => s === 'watching');
    await call(core, 'sites.add', { name: 'second', url: vc.url, username: vc.username, password: vc.password, trustFingerprint: vc.fingerprint });
    await until('second live', () => core.services.inventory.watcher('second')?.current.state, (s) => s === 'watching');
    await call(core, 'sites.remove', { site: 'second' });
    expect(core.services.inventory.watcher('second')).toBeUndefined();
  });

  it('restart mid-stream: 20 changes made while Outpost was down all appear after restart as events, none twice', async () => {
    let core = await open({ liveIndex: 'prefer' });
    await until('live', () => core.services.inventory.watcher('lab')?.current.state, (s) => s === 'watching');
    // Seven powered-on VMs (other tests share the simulator): 7 renames, 7 power offs, 6 power ons = 20 operator changes.
    const vms = ((await call(core, 'vms.list', { site: 'lab', powerState: 'poweredOn' })) as VmSummary[]).slice(0, 7);
    expect(vms).toHaveLength(7);
    await operator.renameVm(vms[0]!.moref, `${vms[0]!.name}-seen`);
    await until('an event stored live', () => events(core, { vm: vms[0]!.moref, type: 'VmRenamedEvent' }), (e) => e.length === 1);
    await shut(core);

    const before = new Set((await vcenterEvents()).map((e) => e.key));
    for (const v of vms) await operator.renameVm(v.moref, `${v.name}-moved`);
    for (const v of vms) await operator.power(v.moref, 'off');
    for (const v of vms.slice(1)) await operator.power(v.moref, 'on');
    const missed = (await vcenterEvents()).filter((e) => !before.has(e.key));
    expect(missed.filter((e) => e.type === 'VmRenamedEvent' || e.type === 'VmPoweredOffEvent' || e.type === 'VmPoweredOnEvent')).toHaveLength(20);

    core = await open({ liveIndex: 'prefer' });
    await until('live again', () => core.services.inventory.watcher('lab')?.current.state, (s) => s === 'watching');
    const stored = await events(core);
    const keys = stored.map((e) => e.key);
    expect(new Set(keys).size).toBe(keys.length); // none twice
    const storedKeys = new Set(keys);
    expect(missed.filter((e) => !storedKeys.has(e.key))).toEqual([]); // none lost
    for (const v of vms) expect((await vm(core, v.moref))?.name).toBe(`${v.name}-moved`);
    // A restart reads nothing again: the count stays as it was.
    await shut(core);
    core = await open({ liveIndex: 'prefer' });
    await until('live a third time', () => core.services.inventory.watcher('lab')?.current.state, (s) => s === 'watching');
    const again = (await events(core)).filter((e) => e.type !== 'UserLoginSessionEvent' && e.type !== 'UserLogoutSessionEvent');
    expect(again.length).toBe(stored.filter((e) => e.type !== 'UserLoginSessionEvent' && e.type !== 'UserLogoutSessionEvent').length);
  });

  it('one indexer per store: a second core with liveIndex require is refused, prefer leaves the indexing to the first', async () => {
    const first = await open({ liveIndex: 'prefer' });
    expect(first.indexer?.self).toBe(true);
    await expect(open({ liveIndex: 'require' })).rejects.toThrow(/already indexes this store/);
    const second = await open({ liveIndex: 'prefer' });
    expect(second.indexer).toEqual({ self: false, pid: process.pid });
    expect(second.services.inventory.watcher('lab')).toBeUndefined();
  });
});
