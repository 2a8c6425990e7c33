// The headless host's memory under clients that stop reading: BENCH_HOST_CLIENTS sockets each
// ask for `vms.list {limit: 200000}` (BENCH_HOST_VMS VMs seeded straight into the store) and then
// never read a byte. The host runs in a child process (this same file, BENCH_HOST_CHILD set) so
// its RSS is its own; sampled from /proc every 50 ms for BENCH_HOST_SECONDS. Afterwards one
// well-behaved client calls app.info: how long the host takes to answer it while the others hang.
// Prints one JSON line; a measurement, not a test.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { startHost } from '../core/host/host-server.js';
import { createOutpostCore } from '../core/server/core.js';
import { rawWebSocket, textFrame } from '../test/raw-websocket.js';
import { seedVms } from '../test/seed-vms.js';

const CLIENTS = Number(process.env.BENCH_HOST_CLIENTS ?? 400);
const VMS = Number(process.env.BENCH_HOST_VMS ?? 5000);
const SECONDS = Number(process.env.BENCH_HOST_SECONDS ?? 8);
const REQUESTS = Number(process.env.BENCH_HOST_REQUESTS ?? 1);
// The machine is shared: a host past this is stopped and reported as such.
const RSS_CAP_MB = Number(process.env.BENCH_HOST_RSS_CAP_MB ?? 3000);

async function child(dataDir: string): Promise<void> {
  const staticDir = join(dataDir, 'renderer');
  mkdirSync(staticDir, { recursive: true });
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html>');
  const core = await createOutpostCore({ dataDir: join(dataDir, 'data'), transport: 'host' });
  const host = await startHost({ core, staticDir });
  process.stdout.write(`${JSON.stringify({ port: host.port, token: host.token })}\n`);
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

async function parent(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-bench-host-memory-'));
  const seeding = await createOutpostCore({ dataDir: join(dir, 'data'), transport: 'host' });
  await seedVms(seeding.sql, VMS);
  await seeding.close();
  const host = spawn(process.execPath, [fileURLToPath(import.meta.url)], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, BENCH_HOST_CHILD: dir } });
  const sockets: Socket[] = [];
  try {
    const { port, token } = await new Promise<{ port: number; token: string }>((resolve, reject) => {
      createInterface({ input: host.stdout! }).once('line', (line) => resolve(JSON.parse(line) as { port: number; token: string }));
      host.once('exit', (code) => reject(new Error(`host exited ${code}`)));
    });
    const path = `/ws?token=${token}`;
    // One reading client first: how big one answer is.
    const probe = new WebSocket(`ws://127.0.0.1:${port}${path}`);
    const answerBytes = await new Promise<number>((resolve) => {
      probe.on('message', (data: Buffer) => {
        if (data.includes('"type":"result"')) resolve(data.length);
      });
      probe.once('open', () => probe.send(JSON.stringify({ type: 'invoke', id: 1, command: 'vms.list', input: { limit: 200_000 } })));
    });
    probe.close();
    const baseline = rssMb(host.pid!);

    let peak = baseline;
    let exited = false;
    host.once('exit', () => (exited = true));
    let capped = false;
    const sampler = setInterval(() => {
      if (exited) return;
      peak = Math.max(peak, rssMb(host.pid!));
      if (peak > RSS_CAP_MB && !capped) {
        capped = true;
        host.kill('SIGKILL');
      }
    }, 50);
    const started = performance.now();
    let refused = 0;
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, i) => {
        // A host too busy to finish a handshake in time (408) is a figure, not a failure.
        const opened = await rawWebSocket(port, path).catch(() => null);
        if (!opened) return void refused++;
        const { socket } = opened;
        socket.on('error', () => undefined);
        sockets.push(socket);
        // Sent, then never read: the socket stays paused from the handshake on.
        for (let r = 0; r < REQUESTS; r++) socket.write(textFrame(JSON.stringify({ type: 'invoke', id: i * REQUESTS + r, command: 'vms.list', input: { limit: 200_000 } })));
      }),
    );
    await new Promise((r) => setTimeout(r, SECONDS * 1000 - (performance.now() - started)));

    let honestMs: number | null = null;
    if (!exited) {
      const t = performance.now();
      const honest = new WebSocket(`ws://127.0.0.1:${port}${path}`);
      honest.on('error', () => undefined);
      honestMs = await new Promise<number | null>((resolve) => {
        const timer = setTimeout(() => resolve(null), 30_000);
        honest.on('message', (data: Buffer) => {
          if (data.includes('"type":"result"')) {
            clearTimeout(timer);
            resolve(Math.round(performance.now() - t));
          }
        });
        honest.once('open', () => honest.send(JSON.stringify({ type: 'invoke', id: 1, command: 'app.info', input: {} })));
      });
      honest.terminate();
    }
    clearInterval(sampler);
    const after = exited ? null : rssMb(host.pid!);
    console.log(
      JSON.stringify({
        bench: 'host-memory',
        vms: VMS,
        non_reading_clients: CLIENTS,
        requests_per_client: REQUESTS,
        handshakes_refused: refused,
        one_answer_mb: Math.round((answerBytes / 1048576) * 10) / 10,
        seconds: SECONDS,
        host_rss_baseline_mb: baseline,
        host_rss_peak_mb: peak,
        host_rss_after_mb: after,
        host_alive: !exited,
        killed_at_rss_cap_mb: capped ? RSS_CAP_MB : null,
        honest_app_info_ms: honestMs,
      }),
    );
  } finally {
    for (const s of sockets) s.destroy();
    host.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.env.BENCH_HOST_CHILD) await child(process.env.BENCH_HOST_CHILD);
else await parent();
