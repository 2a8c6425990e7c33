import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { z } from 'zod';
import { tempDir } from '../../test/temp-dir.js';
import { cloneSession, vcsimUnavailable } from '../../test/peers/vcsim.js';
import type { GuestInfo } from '../contract/vm-access.js';
import type { CommandOutput } from '../contract/commands.js';
import { createOutpostCore, type OutpostCore } from '../server/core.js';
import { defaultKdf } from '../vault/passphrase-cipher.js';
import { ConsoleSlots, CONSOLE_SLOT_TTL_MS } from './console-slots.js';
import { labSite, useVcsim } from '../../test/fixtures/vcsim-hooks.js';
import { dispatchError } from '../../test/dispatch-or-throw.js';

const unavailable = vcsimUnavailable();
if (unavailable) console.log(`vcsim console/guestinfo tests skipped: ${unavailable}`);

const passphrase = 'vm access tests passphrase';

describe('console slots', () => {
  it('serve a ticket once and forget it after the TTL', () => {
    let now = 1_000;
    const slots = new ConsoleSlots(() => now);
    const a = slots.add({ vm: 'a', origin: 'wss://h:1', url: 'wss://h:1/ticket/T1' });
    const b = slots.add({ vm: 'b', origin: 'wss://h:1', url: 'wss://h:1/ticket/T2' });
    expect(a.id).not.toBe(b.id);
    expect(slots.claim(a.id)?.url).toBe('wss://h:1/ticket/T1');
    expect(slots.claim(a.id)).toBeNull();
    now += CONSOLE_SLOT_TTL_MS;
    expect(slots.claim(b.id)).toBeNull();
    expect(slots.size).toBe(0);
  });
});

describe.skipIf(unavailable !== null)('VM console and guestinfo against vcsim', () => {
  const peer = useVcsim({ vms: 3, clusters: 1, hosts: 1 }, { operator: false });
  let dir: ReturnType<typeof tempDir>;
  let core: OutpostCore;
  let vmName = '';

  const call = async <T>(command: string, input: unknown, transport: 'test' | 'host' = 'test'): Promise<T> => {
    const r = await core.dispatch(command, input, { transport });
    if (!r.ok) throw new Error(`${command}: ${JSON.stringify(r.error)}`);
    return r.value as T;
  };
  const failure = dispatchError(() => core);
  const everythingStored = async (): Promise<string> =>
    (await Promise.all(['audit_log', 'settings', 'inv_vms', 'sites'].map(async (t) => JSON.stringify(await core.sql.all(`SELECT * FROM ${t}`, [], z.unknown()))))).join('\n');

  beforeEach(async () => {
    dir = tempDir();
    core = await createOutpostCore({ dataDir: dir.path, transport: 'test', checkOutputs: true, kdf: { ...defaultKdf, N: 2 ** 10 }, passphrase });
    await call('sites.add', labSite(peer.vc));
    await call('inventory.sync', { site: 'lab' });
    vmName = (await core.sql.get('SELECT name FROM inv_vms ORDER BY name LIMIT 1', [], z.object({ name: z.string() })))!.name;
  });
  afterEach(async () => {
    await core.close();
    dir.remove();
  });

  it('sets guestinfo keys, shows current values, removes one, and audits keys without values', async () => {
    const before = await call<GuestInfo>('vm.guestinfo.get', { site: 'lab', vm: vmName });
    expect(before.entries).toEqual([]); // vcsim's own extraConfig (govcsim) is not a guestinfo key

    const set = await call<GuestInfo>('vm.guestinfo.set', {
      site: 'lab',
      vm: vmName,
      set: [
        { key: 'guestinfo.machine.id', value: '{"ip":"10.0.0.5","netmask":"255.255.255.0"}' },
        { key: 'guestinfo.role', value: 'controller <primary> & "quoted"' },
      ],
    });
    expect(set.entries).toEqual([
      { key: 'guestinfo.machine.id', value: '{"ip":"10.0.0.5","netmask":"255.255.255.0"}' },
      { key: 'guestinfo.role', value: 'controller <primary> & "quoted"' },
    ]);
    const changed = await call<GuestInfo>('vm.guestinfo.set', { site: 'lab', vm: set.moref, set: [{ key: 'guestinfo.role', value: 'compute' }], remove: ['guestinfo.machine.id'] });
    expect(changed.entries).toEqual([{ key: 'guestinfo.role', value: 'compute' }]);
    expect((await call<GuestInfo>('vm.guestinfo.get', { site: 'lab', vm: vmName })).entries).toEqual([{ key: 'guestinfo.role', value: 'compute' }]);

    const audit = await core.sql.all("SELECT target, outcome, details FROM audit_log WHERE action = 'vm.guestinfo.set' ORDER BY id", [], z.object({ target: z.string(), outcome: z.string(), details: z.string() }));
    expect(audit.map((a) => [a.target, a.outcome])).toEqual([
      [`lab/${vmName}`, 'ok'],
      [`lab/${vmName}`, 'ok'],
    ]);
    expect(JSON.parse(audit[1]!.details)).toMatchObject({ set: ['guestinfo.role'], removed: ['guestinfo.machine.id'] });
    expect(await everythingStored()).not.toContain('10.0.0.5');
  });

  it('refuses keys outside guestinfo.*, duplicate keys and control characters', async () => {
    for (const set of [[{ key: 'machine.id', value: 'x' }], [{ key: 'guestinfo.', value: 'x' }], [{ key: 'guestinfo.a b', value: 'x' }], [{ key: 'guestinfo.a', value: 'bell\u0007' }], []]) {
      const err = await failure('vm.guestinfo.set', { site: 'lab', vm: vmName, set });
      expect(err.code, JSON.stringify(set)).toBe('VALIDATION');
    }
    expect((await failure('vm.guestinfo.set', { site: 'lab', vm: vmName, set: [{ key: 'guestinfo.a', value: '1' }], remove: ['guestinfo.a'] })).code).toBe('VALIDATION');
    expect((await failure('vm.guestinfo.get', { site: 'lab', vm: 'no-such-vm' })).code).toBe('NOT_FOUND');
  });

  it('opens a one-time console slot on the host transport; the ticket is never stored, logged or returned', async () => {
    const opened = await call<CommandOutput<'vm.console.open'>>('vm.console.open', { site: 'lab', vm: vmName }, 'host');
    const port = new URL(peer.vc.url).port;
    expect(opened.origin).toBe(`wss://127.0.0.1:${port}`);
    expect(opened.windowPath).toMatch(/^\/console\/[A-Za-z0-9_-]{32}$/);
    expect(opened.kind).toBe('window');
    expect(opened.vmrcUrl).toBeNull(); // no clone ticket is taken for a window
    const id = opened.windowPath!.slice('/console/'.length);
    const slot = core.services.consoles.slots.claim(id);
    expect(slot?.url).toMatch(new RegExp(`^wss://127\\.0\\.0\\.1:${port}/ticket/[0-9a-f]{32}$`));
    const ticket = slot!.url.split('/').pop()!;
    expect(JSON.stringify(opened)).not.toContain(ticket);
    expect(await everythingStored()).not.toContain(ticket);
    expect(core.services.consoles.slots.claim(id)).toBeNull();

    // The ticket opens the launcher's webmks socket once (it greets like ESXi: the RFB version).
    const greet = (): Promise<string> =>
      new Promise((resolve, reject) => {
        const ws = new WebSocket(slot!.url, ['binary'], { ca: peer.vc.certPem });
        ws.once('message', (data: Buffer) => {
          ws.close();
          resolve(data.toString());
        });
        ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
        ws.once('error', reject);
      });
    expect(await greet()).toBe('RFB 003.008\n');
    await expect(greet()).rejects.toThrow('HTTP 404');

    // Outside the host (desktop, CLI) no webmks ticket is taken: the VMRC link only.
    const vmrc = await call<CommandOutput<'vm.console.open'>>('vm.console.open', { site: 'lab', vm: vmName });
    expect(vmrc.kind).toBe('vmrc');
    expect(vmrc.windowPath).toBeNull();
    expect(core.services.consoles.slots.size).toBe(0);
    const refused = await failure('vm.console.open', { site: 'lab', vm: vmName, kind: 'window' });
    expect(refused.code).toBe('VALIDATION');
    expect(refused.message).toContain('kind vmrc');
  });

  it('hands VMRC a link with a fresh one-time clone ticket of the logged-in session; the ticket is never stored or audited', async () => {
    const port = new URL(peer.vc.url).port;
    const open = () => call<CommandOutput<'vm.console.open'>>('vm.console.open', { site: 'lab', vm: vmName, kind: 'vmrc' }, 'host');
    const first = await open();
    const second = await open();
    const { moref } = z.object({ moref: z.string() }).parse(await core.sql.get('SELECT moref FROM inv_vms WHERE name = ?', [vmName], z.unknown()));
    const form = new RegExp(`^vmrc://clone:([0-9a-f-]{36})@127\\.0\\.0\\.1:${port}/\\?moid=${moref}$`);
    expect(first.vmrcUrl).toMatch(form);
    expect(second.vmrcUrl).toMatch(form);
    const t1 = form.exec(first.vmrcUrl!)![1]!;
    const t2 = form.exec(second.vmrcUrl!)![1]!;
    expect(t1).not.toBe(t2);
    expect(first.windowPath).toBeNull();

    // Audited as vm.console.open of kind vmrc, never with the ticket; nothing under the data
    // directory (SQLite file, its WAL, anything else) holds either ticket.
    const rows = z.array(z.object({ details: z.string() })).parse(await core.sql.all("SELECT details FROM audit_log WHERE action = 'vm.console.open'", [], z.unknown()));
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(JSON.parse(row.details)).toEqual({ moref, kind: 'vmrc' });
    const onDisk = (): string => {
      const files = readdirSync(dir.path, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
      return files.map((e) => readFileSync(join(e.parentPath, e.name)).toString('latin1')).join('\n');
    };
    expect(onDisk()).toContain(vmName); // the scan reads the database: it would see a ticket
    expect(onDisk()).not.toContain(t1);
    expect(onDisk()).not.toContain(t2);

    // The ticket is still valid after open() returned (its session was not logged out), VMRC's
    // CloneSession gets the site's user, and only once.
    expect(await cloneSession(peer.vc, t1)).toEqual({ userName: peer.vc.username });
    await expect(cloneSession(peer.vc, t1)).rejects.toThrow('CloneSession 500');
    // An unused ticket dies with the session Outpost kept for it.
    await core.services.consoles.endVmrcSessions();
    await expect(cloneSession(peer.vc, t2)).rejects.toThrow('CloneSession 500');
    await core.close();
    expect(onDisk()).not.toContain(t1);
    expect(onDisk()).not.toContain(t2);
    core = await createOutpostCore({ dataDir: dir.path, transport: 'test', checkOutputs: true, kdf: { ...defaultKdf, N: 2 ** 10 }, passphrase });
  });
});
