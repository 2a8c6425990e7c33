// Recording overhead on the terminal flood without a browser: a shell floods BENCH_REC_MB of
// 159-column lines through sshd → ssh2 → TerminalService to a viewer that acknowledges at once,
// unrecorded and recorded (asciicast v2 to the data folder), alternating, BENCH_REC_RUNS each;
// prints the medians and how many % fewer MB/s recording costs (issue 18: at most 10%). The
// browser bench (bench/terminal.ts) prints the same pair end to end, where xterm dominates.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOutpostCore } from '../core/server/core.js';
import { defaultKdf } from '../core/vault/passphrase-cipher.js';
import { generateKey, sshdAvailable, startSshd } from '../test/peers/openssh-server.js';
import { dispatchOrThrow } from '../test/dispatch-or-throw.js';

if (!sshdAvailable() || process.getuid?.() !== 0) {
  console.log(JSON.stringify({ bench: 'terminal-recording', skipped: 'needs root and openssh-server' }));
  process.exit(0);
}
const MB = Number(process.env.BENCH_REC_MB ?? 100);
const RUNS = Number(process.env.BENCH_REC_RUNS ?? 5);
const dir = mkdtempSync(join(tmpdir(), 'outpost-bench-rec-'));
const key = generateKey(join(dir, 'id'));
const sshd = await startSshd({ dir, authorizedKeys: [key.publicKey] });
const core = await createOutpostCore({ dataDir: join(dir, 'data'), transport: 'test', kdf: { ...defaultKdf, N: 2 ** 10 } });
const call = dispatchOrThrow(core);
try {
  await call('vault.unlock', { passphrase: 'a long enough bench passphrase' });
  await call('credentials.add', { name: 'bench', username: 'root', secret: { type: 'private-key', privateKey: key.privateKey } });
  await call('knownHosts.trust', { host: '127.0.0.1', port: sshd.port, fingerprint: sshd.fingerprint });
  const source = join(dir, 'flood.txt');
  const line = `${'a'.repeat(159)}\n`;
  writeFileSync(source, line.repeat(Math.ceil((MB * 1e6) / line.length)));
  const target = { type: 'ssh', host: '127.0.0.1', port: sshd.port, credential: 'bench' };
  const flood = async (record: boolean): Promise<number> => {
    const t = await call<{ id: number }>('terminal.open', { target, cols: 160, rows: 45, record });
    let bytes = 0;
    let first = 0;
    let last = 0;
    let tail = '';
    let done: () => void = () => undefined;
    const finished = new Promise<void>((r) => (done = r));
    const v = core.services.terminals.attach(t.id, 0, {
      data: (c) => {
        const now = performance.now();
        if (!first) first = now;
        last = now;
        bytes += c.length;
        v.ack(c.length);
        // The marker as the shell prints it, not as the command line echoes it; a tail catches a split.
        tail = (tail + Buffer.from(c).toString('latin1')).slice(-64);
        if (tail.includes('FLOOD-2END')) done();
      },
      closed: () => done(),
    });
    await new Promise((r) => setTimeout(r, 300));
    bytes = 0;
    first = 0;
    tail = '';
    await call('terminal.write', { id: t.id, data: `cat ${source}; echo FLOOD-$((1+1))END\r` });
    await finished;
    v.detach();
    await call('terminal.close', { id: t.id });
    return bytes / 1e6 / ((last - first) / 1000);
  };
  const off: number[] = [];
  const on: number[] = [];
  await flood(false); // warm-up
  for (let i = 0; i < RUNS; i++) {
    off.push(await flood(false));
    on.push(await flood(true));
  }
  const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const r1 = (x: number): number => Math.round(x * 10) / 10;
  // terminal.close returns before the recorder has written its end: wait until every recording is finished.
  let recordings = await core.services.recorder.list({ limit: 100 });
  for (const until = Date.now() + 10_000; recordings.some((r) => !r.endedAt) && Date.now() < until; recordings = await core.services.recorder.list({ limit: 100 })) {
    await new Promise((r) => setTimeout(r, 50));
  }
  console.log(
    JSON.stringify({
      bench: 'terminal-recording',
      floodMB: MB,
      unrecordedMBps: r1(med(off)),
      recordedMBps: r1(med(on)),
      fewerPct: r1((1 - med(on) / med(off)) * 100),
      runs: { off: off.map(r1), on: on.map(r1) },
      recordingsWritten: recordings.length,
      recordingMB: r1(recordings.reduce((n, r) => n + r.bytes, 0) / 1e6 / Math.max(recordings.length, 1)),
    }),
  );
} finally {
  await core.close();
  sshd.stop();
  rmSync(dir, { recursive: true, force: true });
}
