import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { startVcsim, vcsimUnavailable, type Vcsim } from '../../test/peers/vcsim.js';
import { createContainerView, retrieveAll } from './property-collector.js';
import { VsphereSession } from './session.js';

const unavailable = vcsimUnavailable();
const VMS = 600;
const CAP = 50; // the launcher's server-side page cap: 12 pages
const PAGES = VMS / CAP;

/**
 * A consumer slower than vCenter (database writes) must not make the pager fetch the whole result
 * ahead of it: that held every page of a 100,000-VM estate in memory at once.
 */
describe.skipIf(unavailable !== null)('retrieveAll reads ahead a bounded number of pages (vcsim)', () => {
  let vc: Vcsim;
  let session: VsphereSession;
  // Every page request the pager makes goes through the real session; the wrapper only counts them.
  let requested = 0;
  const cancels: string[] = [];
  beforeAll(async () => {
    vc = await startVcsim({ vms: VMS, clusters: 1, hosts: 2, pageCap: CAP });
    session = await VsphereSession.connect({ url: vc.url, username: vc.username, password: vc.password, trust: { pinnedFingerprint: vc.fingerprint, trustedCas: [] } });
    const invoke = session.invoke.bind(session);
    session.invoke = (method, self, args, options) => {
      if (method === 'RetrievePropertiesEx' || method === 'ContinueRetrievePropertiesEx') requested++;
      if (method === 'CancelRetrievePropertiesEx') cancels.push(method);
      return invoke(method, self, args, options);
    };
  }, 120_000);
  afterAll(async () => {
    await session?.logout();
    await vc?.stop();
  });

  for (const readAhead of [0, 1, 2]) {
    it(`readAhead ${readAhead}: a slow consumer never has more than ${readAhead} page(s) requested beyond the one it handles, and gets every VM once`, async () => {
      const view = await createContainerView(session, session.content.rootFolder, ['VirtualMachine']);
      requested = 0;
      const ahead: number[] = [];
      const seen = new Set<string>();
      const r = await retrieveAll(session, view, [{ type: 'VirtualMachine', paths: ['name'] }], {
        readAhead,
        onPage: async (objects, page) => {
          for (const o of objects) seen.add(o.ref.value);
          await sleep(60); // vcsim answers a 50-VM page in far less: unbounded, it would fetch them all meanwhile
          ahead.push(requested - (page + 1));
        },
      });
      expect(r).toEqual({ objects: VMS, pages: PAGES });
      expect(seen.size).toBe(VMS);
      expect(requested).toBe(PAGES);
      // Exactly readAhead while pages remain (the overlap is kept), fewer only at the end.
      const expected = Array.from({ length: PAGES }, (_, page) => Math.min(readAhead, PAGES - 1 - page));
      expect(ahead).toEqual(expected);
    });
  }

  it('a consumer that fails stops the paging: no page is requested after it, the rest is cancelled, the session stays usable', async () => {
    const view = await createContainerView(session, session.content.rootFolder, ['VirtualMachine']);
    requested = 0;
    cancels.length = 0;
    await expect(
      retrieveAll(session, view, [{ type: 'VirtualMachine', paths: ['name'] }], {
        onPage: async (_objects, page) => {
          await sleep(20);
          if (page === 2) throw new Error('store failed');
        },
      }),
    ).rejects.toThrow('store failed');
    expect(requested).toBe(4); // pages 0..2 and the one read ahead of page 2
    expect(cancels).toEqual(['CancelRetrievePropertiesEx']);
    let n = 0;
    await retrieveAll(session, view, [{ type: 'VirtualMachine', paths: ['name'] }], { onPage: (objects) => void (n += objects.length) });
    expect(n).toBe(VMS);
  });
});
