// `outpost exec -- cat FILE` as a user runs it, the whole process (node start-up, store, connect,
// auth, exec, streaming), against the OpenSSH client on the same loopback sshd with the same key:
// BENCH_CLI_EXEC_MB (default 400) MB to /dev/null and into a pipe this process drains, runs
// interleaved (BENCH_CLI_EXEC_RUNS each, default 5; medians), each side with its default ciphers.
// Also the peak RSS (VmHWM) of each client and the CPU time it used, and `exec -- true` alone
// (start-up and teardown). Needs root, openssh-server
// and the built CLI (`npm run build:node`). Prints one JSON line.
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKey, sshdAvailable, startSshd } from '../test/peers/openssh-server.js';

// This file runs bundled as dist/bench/cli-exec.mjs.
const root = join(import.meta.dirname, '..', '..');
const outpostBin = join(root, 'bin', 'outpost.mjs');
if (!sshdAvailable() || process.getuid?.() !== 0 || !existsSync(join(root, 'dist', 'cli', 'main.mjs'))) {
  console.log(JSON.stringify({ bench: 'cli-exec', skipped: 'needs root, openssh-server and npm run build:node' }));
  process.exit(0);
}

const mb = Number(process.env.BENCH_CLI_EXEC_MB ?? 400);
const runs = Number(process.env.BENCH_CLI_EXEC_RUNS ?? 5);
const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Run {
  ms: number;
  bytes: number;
  peakRssMB: number;
  cpuMs: number;
}

/** utime + stime of a live process, from /proc (ms). */
function cpuMsOf(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return null;
  }
}

/** Runs argv with stdout to /dev/null or into a pipe this process drains; samples VmHWM and CPU while it lives. */
function timed(argv: string[], to: 'devnull' | 'pipe'): Promise<Run> {
  return new Promise((resolve, reject) => {
    const devnull = to === 'devnull' ? openSync('/dev/null', 'w') : null;
    const t0 = performance.now();
    // GNU time reports the client's exact CPU time and peak RSS (rusage at its exit); /proc sampling,
    // the fallback, misses the last moments.
    const rusageFile = join(dir, `rusage-${process.hrtime.bigint()}`);
    const cmd = GNU_TIME ? [GNU_TIME, '-f', '%U %S %M', '-o', rusageFile, ...argv] : argv;
    const child = spawn(cmd[0]!, cmd.slice(1), { stdio: ['ignore', devnull ?? 'pipe', 'pipe'] });
    let bytes = 0;
    let stderr = '';
    let peakKB = 0;
    let cpuMs = 0;
    const sample = (): void => {
      try {
        const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peakKB = Math.max(peakKB, Number(m[1]));
      } catch {
        // exited
      }
      cpuMs = cpuMsOf(child.pid!) ?? cpuMs;
    };
    const sampler = setInterval(sample, 20);
    child.stdout?.on('data', (c: Buffer) => (bytes += c.length));
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    // 'exit' before the pipe's end: the figures are the client's own; the last bytes are counted at 'close'.
    child.on('exit', sample);
    child.on('close', (code) => {
      const ms = performance.now() - t0;
      clearInterval(sampler);
      if (devnull !== null) closeSync(devnull);
      if (GNU_TIME && existsSync(rusageFile)) {
        const [user, sys, maxKB] = readFileSync(rusageFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
        cpuMs = Math.round(((user ?? 0) + (sys ?? 0)) * 1000);
        peakKB = maxKB ?? peakKB; // the client's, not time's own
        rmSync(rusageFile);
      }
      if (code !== 0) reject(new Error(`${argv.slice(0, 3).join(' ')} exited ${code}: ${stderr.trim()}`));
      else resolve({ ms, bytes: to === 'pipe' ? bytes : mb * 1024 * 1024, peakRssMB: Math.round(peakKB / 1024), cpuMs });
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'outpost-bench-cli-exec-'));
const sshd = await startSshd({ dir, authorizedKeys: [generateKey(join(dir, 'id')).publicKey] }).catch((err: unknown) => {
  rmSync(dir, { recursive: true, force: true });
  throw err;
});
try {
  const keyFile = join(dir, 'id');
  const file = join(dir, 'payload.bin');
  execFileSync('sh', ['-c', `head -c ${mb}M /dev/zero > ${file}`]);
  const db = join(dir, 'outpost.db');
  const outpost = [process.execPath, outpostBin, '--db', db, 'exec', '--host', `127.0.0.1:${sshd.port}`, '--user', 'root', '--key', keyFile, '--', 'cat', file];
  const ssh = ['ssh', '-i', keyFile, '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no', '-o', `UserKnownHostsFile=${join(dir, 'known_hosts')}`, '-o', 'LogLevel=ERROR', '-p', String(sshd.port), 'root@127.0.0.1', 'cat', file];
  // Trust the host once (not timed): both clients then verify against what they stored.
  execFileSync(process.execPath, [outpostBin, '--db', db, 'exec', '--host', `127.0.0.1:${sshd.port}`, '--user', 'root', '--key', keyFile, '--trust', sshd.fingerprint, '--', 'true']);
  execFileSync(ssh[0]!, [...ssh.slice(1, -2), 'true']);
  execFileSync('cat', [file], { stdio: ['ignore', 'ignore', 'ignore'] }); // page cache warm for both

  const figures: Record<string, unknown> = { bench: 'cli-exec', mb, runs };
  for (const to of ['devnull', 'pipe'] as const) {
    const ours: Run[] = [];
    const theirs: Run[] = [];
    for (let i = 0; i < runs; i++) {
      // Alternating who goes first so drifts in the machine's load hit both alike.
      const pair = i % 2 === 0 ? [outpost, ssh] : [ssh, outpost];
      for (const argv of pair) {
        const r = await timed(argv, to);
        if (r.bytes !== mb * 1024 * 1024) throw new Error(`${argv === ssh ? 'ssh' : 'outpost'} delivered ${r.bytes} bytes, not ${mb} MB`);
        (argv === ssh ? theirs : ours).push(r);
      }
    }
    const mbps = (rs: Run[]): number => Math.round(mb / (median(rs.map((r) => r.ms)) / 1000));
    figures[to] = {
      outpostMBps: mbps(ours),
      opensshMBps: mbps(theirs),
      ratio: Number((median(theirs.map((r) => r.ms)) / median(ours.map((r) => r.ms))).toFixed(2)),
      outpostPeakRssMB: Math.max(...ours.map((r) => r.peakRssMB)),
      opensshPeakRssMB: Math.max(...theirs.map((r) => r.peakRssMB)),
      outpostCpuMs: Math.round(median(ours.map((r) => r.cpuMs))),
      opensshCpuMs: Math.round(median(theirs.map((r) => r.cpuMs))),
      outpostMs: ours.map((r) => Math.round(r.ms)),
      opensshMs: theirs.map((r) => Math.round(r.ms)),
    };
  }
  // Start-up and teardown alone: `exec -- true` on a fresh connection (the whole process, no payload).
  const ours: Run[] = [];
  const theirs: Run[] = [];
  for (let i = 0; i < runs; i++) {
    ours.push(await timed([...outpost.slice(0, -2), 'true'], 'devnull'));
    theirs.push(await timed([...ssh.slice(0, -2), 'true'], 'devnull'));
  }
  figures.execTrue = {
    outpostMs: Math.round(median(ours.map((r) => r.ms))),
    opensshMs: Math.round(median(theirs.map((r) => r.ms))),
    outpostCpuMs: Math.round(median(ours.map((r) => r.cpuMs))),
    opensshCpuMs: Math.round(median(theirs.map((r) => r.cpuMs))),
  };
  figures.load = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
  console.log(JSON.stringify(figures));
} finally {
  sshd.stop();
  rmSync(dir, { recursive: true, force: true });
}
