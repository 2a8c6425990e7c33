import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { test as base } from '@playwright/test';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const hostEntry = join(repoRoot, 'dist', 'host', 'main.mjs');
const START_TIMEOUT_MS = 20_000;

/** The line `outpost-host --json` prints once it listens. */
export interface HostInfo {
  url: string;
  openUrl: string;
  port: number;
  dataDir: string;
  pid: number;
}

export interface HostHandle {
  readonly info: HostInfo;
  readonly dataDir: string;
  /** Stops the host process and starts a new one on the same data directory (new port, new token). */
  restart(): Promise<HostInfo>;
}

interface RunningProcess {
  child: ChildProcess;
  info: HostInfo;
  stderr: string[];
}

function startHostProcess(dataDir: string, passphrase = ''): Promise<RunningProcess> {
  if (!existsSync(hostEntry)) {
    throw new Error(`${hostEntry} is missing: run \`npx vite build && node scripts/build-node.mjs\` first.`);
  }
  const child = spawn(process.execPath, [hostEntry, '--json', '--data-dir', dataDir], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, OUTPOST_VAULT_PASSPHRASE: passphrase },
  });
  const stderr: string[] = [];
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));

  return new Promise<RunningProcess>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`outpost-host did not start within ${START_TIMEOUT_MS} ms. stderr: ${stderr.join('')}`));
    }, START_TIMEOUT_MS);
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => {
      clearTimeout(timer);
      lines.close();
      try {
        resolve({ child, info: JSON.parse(line) as HostInfo, stderr });
      } catch {
        child.kill('SIGKILL');
        reject(new Error(`outpost-host printed something other than its JSON line: ${line}`));
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`outpost-host exited before it was ready (code ${code}, signal ${signal}). stderr: ${stderr.join('')}`));
    });
  });
}

/** SIGTERM by PID (the host closes its database cleanly), SIGKILL if it does not exit in time. */
async function stopHostProcess(running: RunningProcess): Promise<void> {
  const { child } = running;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(running.info.pid, 'SIGTERM');
  const timer = setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null) process.kill(running.info.pid, 'SIGKILL');
  }, 5_000);
  await exited;
  clearTimeout(timer);
}

/**
 * `host`: a real headless host (`node dist/host/main.mjs`) on a fresh temporary data directory
 * with a real SQLite file, for one test. The directory and the process are gone afterwards.
 */
export const test = base.extend<{ host: HostHandle; hostVaultPassphrase: string; hostDataDir: string | null }>({
  /** `test.use({ hostVaultPassphrase: '...' })`: the host starts with its vault unlocked (OUTPOST_VAULT_PASSPHRASE). */
  hostVaultPassphrase: ['', { option: true }],
  /** `test.use({ hostDataDir })`: a prepared data directory (e.g. a seeded store) instead of a fresh one; kept afterwards. */
  hostDataDir: [null, { option: true }],
  host: async ({ hostVaultPassphrase, hostDataDir }, use) => {
    const dataDir = hostDataDir ?? mkdtempSync(join(tmpdir(), 'outpost-e2e-data-'));
    let running = await startHostProcess(dataDir, hostVaultPassphrase);
    const handle: HostHandle = {
      get info() {
        return running.info;
      },
      dataDir,
      async restart() {
        await stopHostProcess(running);
        running = await startHostProcess(dataDir, hostVaultPassphrase);
        return running.info;
      },
    };
    try {
      await use(handle);
    } finally {
      await stopHostProcess(running);
      if (!hostDataDir) rmSync(dataDir, { recursive: true, force: true });
    }
  },
});

export { expect } from '@playwright/test';
