import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { join } from 'node:path';
import { startVcsim, vcsimUnavailable, type Vcsim } from '../../test/peers/vcsim.js';
import { runOutpost } from '../../test/outpost-binary.js';
import { tempDir } from '../../test/temp-dir.js';
import { createOutpostCore } from '../server/core.js';
import { defaultKdf } from '../vault/passphrase-cipher.js';
import { createContainerView, readProperties, retrieveAll } from './property-collector.js';
import { VsphereSession } from './session.js';
import type { MoRef } from './xml.js';

const unavailable = vcsimUnavailable();
const VMS = 5_000;
const CAP = 700;

describe.skipIf(unavailable !== null)(`a ${VMS}-VM result comes back whole (launcher extension: pages of at most ${CAP} with continuation tokens)`, () => {
  let vc: Vcsim;
  beforeAll(async () => {
    vc = await startVcsim({ vms: VMS, clusters: 2, hosts: 8, pageCap: CAP });
  }, 180_000);
  afterAll(async () => vc?.stop());

  it('RetrievePropertiesEx + ContinueRetrievePropertiesEx: every VM once, in ceil(N/cap) pages', async () => {
    const session = await VsphereSession.connect({ url: vc.url, username: vc.username, password: vc.password, trust: { pinnedFingerprint: vc.fingerprint, trustedCas: [] } });
    try {
      const view = await createContainerView(session, session.content.rootFolder, ['VirtualMachine']);
      const seen = new Set<string>();
      const sizes: number[] = [];
      const r = await retrieveAll(session, view, [{ type: 'VirtualMachine', paths: ['name', 'runtime.powerState'] }], {
        pageSize: 1_000,
        onPage: (objects) => {
          sizes.push(objects.length);
          for (const o of objects) {
            expect(o.props.get('runtime.powerState')).toBe('poweredOn');
            seen.add(o.ref.value);
          }
        },
      });
      const viewList = (await readProperties(session, view, ['view'])).get('view') as MoRef[];
      expect(viewList).toHaveLength(VMS);
      expect(r).toEqual({ objects: VMS, pages: Math.ceil(VMS / CAP) });
      expect(Math.max(...sizes)).toBe(CAP);
      expect(seen).toEqual(new Set(viewList.map((v) => v.value)));
    } finally {
      await session.logout();
    }
  });

  it('full sync stores all of them, one transaction per page', async () => {
    const dir = tempDir();
    const core = await createOutpostCore({ dataDir: dir.path, transport: 'test', kdf: { ...defaultKdf, N: 2 ** 10 }, passphrase: 'paging tests passphrase' });
    try {
      expect((await core.dispatch('sites.add', { name: 'big', url: vc.url, username: vc.username, password: vc.password, trustFingerprint: vc.fingerprint })).ok).toBe(true);
      const sync = await core.dispatch('inventory.sync', { site: 'big' });
      expect(sync).toMatchObject({ ok: true, value: { counts: { vms: VMS, hosts: vc.hosts }, removed: 0 } });
      const pages = (sync as { value: { pages: number } }).value.pages;
      expect(pages).toBeGreaterThanOrEqual(Math.ceil(VMS / CAP));
      expect((await core.sql.get('SELECT count(DISTINCT moref) AS n FROM inv_vms WHERE removed_at IS NULL', [], z.object({ n: z.number() })))!.n).toBe(VMS);
      console.log(`full sync of ${VMS} VMs in ${(sync as { value: { elapsedMs: number } }).value.elapsedMs} ms (${pages} pages)`);
    } finally {
      await core.close();
      dir.remove();
    }
  });

  it('the CLI (built binary) syncs it', async () => {
    const dir = tempDir();
    try {
      const outpost = (args: string[], input?: string) =>
        runOutpost(['--db', join(dir.path, 'o.db'), ...args], { env: { OUTPOST_VAULT_PASSPHRASE: 'paging cli passphrase' }, timeoutMs: 60_000, input });
      expect((await outpost(['site', 'add', '--name', 'big', '--url', vc.url, '--user', vc.username, '--password-stdin', '--trust', vc.fingerprint], vc.password)).code).toBe(0);
      const sync = await outpost(['--json', 'inventory', 'sync', '--site', 'big']);
      expect(sync.signal).toBeNull();
      expect(sync.code, sync.stderr).toBe(0);
      expect((JSON.parse(sync.stdout) as { counts: { vms: number } }).counts.vms).toBe(VMS);
    } finally {
      dir.remove();
    }
  });
});
