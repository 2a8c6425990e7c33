// Team mode: a change on workstation A -> the event on workstation B's bus (two processes on one
// PostgreSQL 15: an audited write in A, pg_notify in its transaction, B's LISTEN connection, B's
// bus). Prints one JSON line: p50/p95/max in ms over N changes. Not a timed test.
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createOutpostCore } from '../core/server/core.js';
import { defaultKdf } from '../core/vault/passphrase-cipher.js';
import { PG_PASSWORD, startPostgres } from '../test/pg-peer.js';

const N = Number(process.env.BENCH_CHANGES ?? 300);
const kdf = { ...defaultKdf, N: 2 ** 10 };
const now = (): number => performance.timeOrigin + performance.now();

async function open(url: string) {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-bench-team-'));
  const core = await createOutpostCore({ dataDir: dir, dbPath: url, transport: 'test', kdf });
  return { core, close: async () => (await core.close(), rmSync(dir, { recursive: true, force: true })) };
}

if (process.argv[2] === 'listener') {
  // B: prints "target at" for each audit row another process announced.
  process.env.PGPASSWORD = PG_PASSWORD;
  const b = await open(process.argv[3]!);
  b.core.onEvent((event, payload) => {
    if (event === 'audit.appended') process.stdout.write(`${(payload as { target: string | null }).target} ${now()}\n`);
  });
  process.stdout.write('ready\n');
  process.on('message', () => void b.close().then(() => process.exit(0)));
} else {
  const server = await startPostgres();
  process.env.PGPASSWORD = PG_PASSWORD;
  try {
    const url = server.url(await server.createDatabase());
    const a = await open(url); // migrates the database before B opens it
    const child = fork(fileURLToPath(import.meta.url), ['listener', url], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    const seen = new Map<string, number>();
    const lines = createInterface({ input: child.stdout! });
    await new Promise<void>((resolve) =>
      lines.on('line', (line) => {
        if (line === 'ready') return resolve();
        const [target, at] = line.split(' ');
        seen.set(target!, Number(at));
      }),
    );
    const started = new Map<string, number>();
    for (let i = 0; i < N; i++) {
      const target = `change-${i}`;
      started.set(target, now());
      await a.core.services.audit.append({ actor: 'bench', action: 'bench.change', target });
      // One change at a time, a few ms apart, as operators make them.
      await new Promise((r) => setTimeout(r, 5));
    }
    const deadline = Date.now() + 5000;
    while (seen.size < N && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const latencies = [...started].flatMap(([t, s]) => (seen.has(t) ? [seen.get(t)! - s] : [])).sort((x, y) => x - y);
    const pick = (q: number): number => Number(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!.toFixed(2));
    process.stdout.write(`${JSON.stringify({ bench: 'team-events', changes: N, delivered: latencies.length, p50Ms: pick(0.5), p95Ms: pick(0.95), maxMs: pick(1) })}\n`);
    child.send('stop');
    await new Promise((r) => child.once('exit', r));
    await a.close();
  } finally {
    await server.stop();
  }
}
