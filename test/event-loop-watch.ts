// vitest setupFiles (node project): says which test kept this worker's event loop blocked for long.
// vitest's forks pool gives a worker's RPC call to the runner a fixed 60 s; a test that runs child
// processes with spawnSync/execFileSync one after another (or any long synchronous work) holds the
// reply unread, and the run fails with "[vitest-worker]: Timeout calling onTaskUpdate" naming no
// test. This names it, so the fix (spawnAsync, lab.execAsync, runOutpost) goes where it belongs.
import { afterAll, expect } from 'vitest';

/** A block this long is reported: a third of the RPC budget, which a loaded machine can triple. */
const REPORT_MS = 20_000;
const TICK_MS = 500;

let last = performance.now();
const timer = setInterval(() => {
  const now = performance.now();
  const blocked = now - last - TICK_MS;
  last = now;
  if (blocked < REPORT_MS) return;
  const { testPath, currentTestName } = expect.getState();
  console.warn(`event loop blocked for ${(blocked / 1000).toFixed(1)} s before this tick, in ${testPath ?? '?'} (${currentTestName ?? 'a hook'}): run child processes asynchronously (test/spawn-async.ts)`);
}, TICK_MS);
timer.unref();
afterAll(() => clearInterval(timer));
