import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { tempDir } from '../../test/temp-dir.js';
import { createOutpostCore, type OutpostCore } from '../server/core.js';
import { enrollVm, type EnrollVmContext } from './enroll-vm.procedure.js';
import { privateOwner } from './enrollment-service.js';

/**
 * The undo of enroll-vm's IPAM steps on a real store: a rolled-back run gives back only the
 * addresses it allocated. IPAM's allocate is an ensure, so a run can find the VM's owner already
 * holding an address (an earlier run, an operator's allocation) and must leave that one alone.
 */
describe('enroll-vm undo releases only what this run allocated', () => {
  let dir: ReturnType<typeof tempDir> | undefined;
  let core: OutpostCore | undefined;
  afterEach(async () => {
    await core?.close();
    dir?.remove();
  });

  const context: EnrollVmContext = {
    batchId: 'b1',
    site: 'lab',
    siteId: 1,
    vmMoref: 'vm-42',
    vmName: 'web-1',
    instanceUuid: null,
    credential: 'guest-root',
    firewall: 'fw',
    pool: 'pub',
    serviceAccount: 'outpost',
    serviceCredential: 'svc',
    servicePublicKey: 'ssh-ed25519 AAAA',
    setHostname: false,
    osActions: 'builtin',
    privateIp: '10.20.0.5',
    publicIp: '203.0.113.2',
  };

  async function undo(c: OutpostCore, step: string, procedureId: string): Promise<void> {
    const s = enrollVm.steps.find((x) => x.name === step);
    await s!.undo!({
      procedureId,
      context,
      outputs: {},
      previousOutput: undefined,
      previousError: null,
      signal: new AbortController().signal,
      actor: 'tester',
      services: c.services,
      log: () => undefined,
    });
  }

  it('keeps the private and public addresses an earlier run holds, releases its own', async () => {
    dir = tempDir();
    core = await createOutpostCore({ dataDir: join(dir.path, 'data'), transport: 'cli' });
    const c = core;
    const ipam = c.services.ipam;
    await ipam.addPool({ name: 'vms', cidr: '10.20.0.0/24', kind: 'private' }, 'tester');
    await ipam.addPool({ name: 'pub', cidr: '203.0.113.0/24', kind: 'public' }, 'tester');
    const owner = privateOwner(context.site, context.vmMoref);
    await ipam.allocate({ pool: 'vms', owner, purpose: 'guest-private', address: '10.20.0.5', procedureId: 'earlier-run' }, 'tester');
    await ipam.allocate({ pool: 'pub', owner, purpose: 'public-nat', procedureId: 'earlier-run' }, 'tester');

    await undo(c, 'allocate-public-ip', 'rolled-back-run');
    await undo(c, 'record-private-ip', 'rolled-back-run');
    expect((await ipam.allocations()).map((a) => `${a.pool}:${a.address}:${a.purpose}`).sort()).toEqual(['pub:203.0.113.1:public-nat', 'vms:10.20.0.5:guest-private']);

    await undo(c, 'allocate-public-ip', 'earlier-run');
    await undo(c, 'record-private-ip', 'earlier-run');
    expect(await ipam.allocations()).toEqual([]);
  });
});
