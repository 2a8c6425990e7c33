// Contract round trip through the headless host's loopback WebSocket: what every UI call pays
// on top of its handler. Compared with a direct in-process dispatch (the floor) in the same run.
import { mkdtempSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { createOutpostCore } from '../core/server/core.js';
import { startHost } from '../core/host/host-server.js';

const N = Number(process.env.BENCH_CALLS ?? 5_000);
const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
};
const round = (x: number): number => Math.round(x * 1000) / 1000;

const dir = mkdtempSync(join(tmpdir(), 'outpost-bench-'));
mkdirSync(join(dir, 'renderer'));
writeFileSync(join(dir, 'renderer', 'index.html'), '<!doctype html>');
const core = await createOutpostCore({ dataDir: join(dir, 'data'), transport: 'host' });
const host = await startHost({ core, staticDir: join(dir, 'renderer') });
try {
  const direct: number[] = [];
  for (let i = 0; i < N; i++) {
    const t = performance.now();
    await core.dispatch('settings.get', {});
    direct.push(performance.now() - t);
  }

  const ws = new WebSocket(`ws://127.0.0.1:${host.port}/ws?token=${host.token}`);
  await new Promise((r) => ws.once('message', r)); // hello
  const pending = new Map<number, () => void>();
  ws.on('message', (data) => {
    const m = JSON.parse(data.toString()) as { type: string; id?: number };
    if (m.type === 'result' && m.id !== undefined) pending.get(m.id)?.();
  });
  const call = (id: number): Promise<void> =>
    new Promise((resolve) => {
      pending.set(id, () => {
        pending.delete(id);
        resolve();
      });
      ws.send(JSON.stringify({ type: 'invoke', id, command: 'settings.get', input: {} }));
    });

  const sequential: number[] = [];
  for (let i = 0; i < N; i++) {
    const t = performance.now();
    await call(i);
    sequential.push(performance.now() - t);
  }
  const t = performance.now();
  await Promise.all(Array.from({ length: N }, (_, i) => call(N + i)));
  const pipelinedMs = performance.now() - t;
  ws.close();

  console.log(
    JSON.stringify({
      bench: 'contract-roundtrip',
      calls: N,
      direct_dispatch_p50_ms: round(percentile(direct, 50)),
      ws_roundtrip_p50_ms: round(percentile(sequential, 50)),
      ws_roundtrip_p99_ms: round(percentile(sequential, 99)),
      ws_pipelined_calls_per_s: Math.round(N / (pipelinedMs / 1000)),
      ws_over_direct_p50_ratio: round(percentile(sequential, 50) / Math.max(percentile(direct, 50), 0.001)),
    }),
  );
} finally {
  await host.close();
  await core.close();
  rmSync(dir, { recursive: true, force: true });
}
