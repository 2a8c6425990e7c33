import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventCollector, readEventsSince, type VsphereEvent } from '../../core/vsphere/events';
import { isFault } from '../../core/vsphere/faults';
import { VsphereSession } from '../../core/vsphere/session';
import { startVcsim, vcsimUnavailable, type Vcsim } from './vcsim';

const unavailable = vcsimUnavailable();

/**
 * govmomi 0.24.2's simulator takes its locks in opposite orders when an event is posted (the
 * EventManager, then each collector) and when a collector is destroyed or resized (the collector,
 * then the EventManager). A login or logout posts an event, so a watcher's event catch-up beside
 * another session's login could hang the simulator for good. The launcher orders them.
 */
describe.skipIf(unavailable !== null)('vcsim launcher: event collectors and concurrent logins', () => {
  let vc: Vcsim;
  beforeAll(async () => {
    vc = await startVcsim({ vms: 2, hosts: 1, clusters: 1 });
  }, 120_000);
  afterAll(async () => {
    await vc?.stop();
  });

  const connect = (): Promise<VsphereSession> =>
    VsphereSession.connect({ url: vc.url, username: vc.username, password: vc.password, trust: { pinnedFingerprint: vc.fingerprint, trustedCas: [] }, timeoutMs: 10_000 });

  it('collectors created, resized and destroyed while other sessions log in and out: every call answers', async () => {
    const reader = await connect();
    let stop = false;
    const churn = async (): Promise<number> => {
      let n = 0;
      while (!stop) {
        const s = await connect();
        await s.logout();
        n++;
      }
      return n;
    };
    const churners = [churn(), churn(), churn()];
    let cycles = 0;
    try {
      const until = Date.now() + 5_000;
      while (Date.now() < until) {
        const c = await createEventCollector(reader, { pageSize: 1000 });
        await reader.invoke('DestroyCollector', c!);
        cycles++;
      }
    } finally {
      stop = true;
    }
    const logins = (await Promise.all(churners)).reduce((a, b) => a + b, 0);
    console.log(`vcsim event locks: ${cycles} collector cycles beside ${logins} logins`);
    expect(cycles).toBeGreaterThan(20);
    expect(logins).toBeGreaterThan(20);

    // The wrapped collectors still behave as vcsim's: they read the events the logins posted, and
    // a destroyed one is gone.
    const events: VsphereEvent[] = [];
    await readEventsSince(reader, 0, null, (batch) => void events.push(...batch));
    // (vcsim keeps its last 1000 events: each login and logout posts one.)
    const logged = events.filter((e) => e.type === 'UserLoginSessionEvent').length;
    expect(logged).toBeGreaterThanOrEqual(Math.min(logins, 400));
    const gone = (await createEventCollector(reader, { pageSize: 10 }))!;
    await reader.invoke('DestroyCollector', gone);
    const err = await reader.invoke('ReadNextEvents', gone, '<maxCount>1</maxCount>').then(
      () => null,
      (e: unknown) => e,
    );
    expect(isFault(err, 'ManagedObjectNotFound')).toBe(true);
    await reader.logout();
  }, 60_000);
});
