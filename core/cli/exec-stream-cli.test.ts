import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKey, sshdAvailable, startSshd, type Sshd } from '../../test/peers/openssh-server.js';
import { outpostBin, runOutpost } from '../../test/outpost-binary.js';
import { tempDir } from '../../test/temp-dir.js';

const canRun = sshdAvailable() && process.getuid?.() === 0;

/** Resident-set figures of a live process, in MB (null once it is gone). */
function memoryOf(pid: number): { rss: number; hwm: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string): number => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
    return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
  } catch {
    return null;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!canRun)('outpost exec streams at the reader\'s pace (built binary, real sshd)', () => {
  let dir: ReturnType<typeof tempDir>;
  let sshd: Sshd;
  let base: string[];

  beforeAll(async () => {
    dir = tempDir();
    const keyFile = join(dir.path, 'id_ed25519');
    sshd = await startSshd({ dir: dir.path, authorizedKeys: [generateKey(keyFile).publicKey] });
    base = ['--db', join(dir.path, 'outpost.db'), 'exec', '--host', `127.0.0.1:${sshd.port}`, '--user', 'root', '--key', keyFile];
    expect((await runOutpost([...base, '--trust', sshd.fingerprint, '--', 'true'])).code).toBe(0);
  });
  afterAll(() => {
    sshd?.stop();
    dir?.remove();
  });

  it('a reader that stalls, then reads slowly: 192 MB arrive intact while the CLI stays within 64 MB of its size when output began', async () => {
    const mb = 192;
    const child = spawn(process.execPath, [outpostBin, ...base, '--', 'head', '-c', `${mb}M`, '/dev/zero'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const pid = child.pid!;
    let bytes = 0;
    let nonZero = 0;
    const zeros = Buffer.alloc(1024 * 1024);
    let atFirstByte: number | null = null;
    let peak = 0;
    const sample = (): void => {
      const m = memoryOf(pid);
      if (m) peak = Math.max(peak, m.hwm);
    };
    const sampler = setInterval(sample, 25);
    // The reader: takes the first chunk, stalls 2.5 s (the CLI would buffer everything sshd sends
    // meanwhile if it ignored backpressure), then reads in bursts with pauses until the end.
    const stdout = child.stdout;
    await new Promise<void>((resolve) => stdout.once('readable', resolve));
    atFirstByte = memoryOf(pid)?.rss ?? null;
    stdout.pause();
    await sleep(2500);
    sample();
    for await (const chunk of stdout) {
      const c = chunk as Buffer;
      bytes += c.length;
      if (!c.equals(zeros.subarray(0, c.length))) nonZero++;
      if (bytes % (32 * 1024 * 1024) < c.length) {
        sample();
        await sleep(50);
      }
    }
    const code = await exited;
    clearInterval(sampler);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(bytes).toBe(mb * 1024 * 1024);
    expect(nonZero).toBe(0);
    expect(atFirstByte).not.toBeNull();
    console.log(`outpost exec, ${mb} MB to a stalling reader: RSS ${atFirstByte!.toFixed(0)} MB at the first byte, peak ${peak.toFixed(0)} MB`);
    expect(peak - atFirstByte!).toBeLessThan(64);
  }, 90_000);

  it('a reader that goes away (| head): the CLI stops the command and exits 141 quietly, no stack trace', async () => {
    const r = await new Promise<{ code: number | null; stderr: string; ms: number }>((resolve) => {
      const t0 = performance.now();
      const child = spawn(process.execPath, [outpostBin, ...base, '--', 'yes'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.stdout.once('data', () => child.stdout.destroy());
      child.on('close', (code) => resolve({ code, stderr, ms: performance.now() - t0 }));
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(141);
    const audit = JSON.parse((await runOutpost(['--db', base[1]!, '--json', 'audit', 'list', '--limit', '1'])).stdout) as { entries: { action: string; details: { code?: string } }[] };
    expect(audit.entries[0]).toMatchObject({ action: 'ssh.exec', details: { code: 'OUTPUT_CLOSED' } });
  });

  it('audits as OUTPOST_OPERATOR when set (the workstation identity on a shared store), like every other command', async () => {
    expect((await runOutpost([...base, '--', 'true'], { env: { OUTPOST_OPERATOR: 'alice@ws-2' } })).code).toBe(0);
    const audit = JSON.parse((await runOutpost(['--db', base[1]!, '--json', 'audit', 'list', '--limit', '1'])).stdout) as { entries: { action: string; actor: string }[] };
    expect(audit.entries[0]).toMatchObject({ action: 'ssh.exec', actor: 'alice@ws-2' });
  });
});
