// Who did it (issue 14): audit rows and runs name the operator and the workstation; a kind of
// procedure can require its gates to be approved by another operator (four-eyes). Real SQLite
// file, the dispatch path every transport takes, a manual firewall (its NAT waits for approval).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hostname } from 'node:os';
import { tempDir } from '../../test/temp-dir.js';
import { createOutpostCore, type OutpostCore } from './core.js';

describe('four-eyes approval and named operators (real SQLite file)', () => {
  let dir: ReturnType<typeof tempDir>;
  let core: OutpostCore;
  const as = (actor: string) => ({ actor });
  const call = async (command: string, input: unknown, actor = 'alice'): Promise<unknown> => {
    const r = await core.dispatch(command, input, as(actor));
    if (!r.ok) throw Object.assign(new Error(r.error.message), r.error);
    return r.value;
  };
  /** Starts a NAT on the manual firewall as `actor` and waits for its approval gate. */
  const waitingNat = async (privateIp: string, actor: string): Promise<string> => {
    const { procedureId } = (await call('nat.add', { firewall: 'edge', privateIp, pool: 'pub' }, actor)) as { procedureId: string };
    await core.services.engine.whenIdle(procedureId);
    expect((await core.services.engine.detail(procedureId)).procedure.state).toBe('waiting');
    return procedureId;
  };

  beforeEach(async () => {
    dir = tempDir();
    core = await createOutpostCore({ dataDir: dir.path, transport: 'test', checkOutputs: true });
    await call('ipam.pools.add', { name: 'pub', cidr: '203.0.113.0/24', kind: 'public' });
    await call('firewalls.add', { name: 'edge', driver: 'manual' });
  });
  afterEach(async () => {
    await core.close();
    dir.remove();
  });

  it('refuses the starter approving their own gate with FOUR_EYES_REQUIRED; another operator approves', async () => {
    await call('settings.update', { fourEyesKinds: ['nat.add'] });
    const id = await waitingNat('10.0.0.5', 'alice');
    const refused = await core.dispatch('procedures.approve', { id }, as('alice'));
    expect(refused).toMatchObject({ ok: false, error: { code: 'FOUR_EYES_REQUIRED', message: expect.stringContaining('another operator must approve') } });
    expect((await core.services.engine.detail(id)).procedure.state).toBe('waiting'); // nothing changed
    expect(await call('procedures.approve', { id }, 'bob')).toMatchObject({ id, createdBy: 'alice', workstation: hostname() });
    await core.services.engine.whenIdle(id);
    const detail = (await call('procedures.get', { id })) as { procedure: { state: string }; steps: { gate: { approvedBy?: string } | null }[] };
    expect(detail.procedure.state).toBe('succeeded');
    expect(detail.steps.find((s) => s.gate?.approvedBy)?.gate?.approvedBy).toBe('bob');
  });

  it('without the setting the starter may approve; the setting is per kind, and an unknown kind is refused', async () => {
    const id = await waitingNat('10.0.0.6', 'alice');
    await call('procedures.approve', { id }, 'alice');
    await call('settings.update', { fourEyesKinds: ['host.upgrade'] });
    const other = await waitingNat('10.0.0.7', 'alice');
    await call('procedures.approve', { id: other }, 'alice'); // nat.add is not listed
    await expect(call('settings.update', { fourEyesKinds: ['nat.ad'] })).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('nat.add') });
  });

  it('every audit row and run names the operator and the workstation', async () => {
    await waitingNat('10.0.0.8', 'carol');
    const page = (await call('audit.list', { limit: 50 })) as { entries: { actor: string; workstation?: string | null; action: string }[] };
    expect(page.entries.length).toBeGreaterThan(3);
    for (const e of page.entries) expect(e.workstation).toBe(hostname());
    expect(page.entries.find((e) => e.action === 'procedure.start')?.actor).toBe('carol');
    const runs = (await call('procedures.list', { limit: 10 })) as { createdBy: string; workstation?: string | null }[];
    expect(runs[0]).toMatchObject({ createdBy: 'carol', workstation: hostname() });
  });
});
