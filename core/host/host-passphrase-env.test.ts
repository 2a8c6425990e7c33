import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import WebSocket from 'ws';
import { tempDir } from '../../test/temp-dir.js';

const root = join(import.meta.dirname, '..', '..');
const hostEntry = join(root, 'dist', 'host', 'main.mjs');

// Loaded before the host (node --import): when the host prints its ready line, say on stderr
// whether OUTPOST_VAULT_PASSPHRASE is still in its environment.
const probe = `data:text/javascript,${encodeURIComponent(
  `const w = process.stdout.write.bind(process.stdout);
   process.stdout.write = (...a) => { process.stderr.write('passphrase in env: ' + ('OUTPOST_VAULT_PASSPHRASE' in process.env) + '\\n'); return w(...a); };`,
)}`;

describe('headless host: the vault passphrase leaves the environment once read (built host, npm run build:node)', () => {
  let child: ChildProcess | undefined;
  let dir: ReturnType<typeof tempDir> | undefined;
  afterEach(() => {
    if (child?.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
    dir?.remove();
  });

  it('unlocks the vault with it, and no longer has it in process.env', async () => {
    dir = tempDir();
    const staticDir = join(dir.path, 'renderer');
    mkdirSync(staticDir);
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html>');
    child = spawn(process.execPath, ['--import', probe, hostEntry, '--json', '--data-dir', join(dir.path, 'data'), '--static', staticDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, OUTPOST_VAULT_PASSPHRASE: 'correct horse battery staple' },
    });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child!.stdout! }).once('line', resolve);
      child!.once('exit', (code) => reject(new Error(`host exited (${code}): ${stderr}`)));
    });
    const info = JSON.parse(line) as { port: number; openUrl: string };
    expect(stderr).toContain('passphrase in env: false');
    const token = new URL(info.openUrl).hash.match(/token=([^&]+)/)?.[1];
    const ws = new WebSocket(`ws://127.0.0.1:${info.port}/ws?token=${token}`);
    const status = await new Promise<unknown>((resolve, reject) => {
      ws.once('error', reject);
      ws.on('message', (data: Buffer) => {
        const m = JSON.parse(data.toString()) as { type: string; result?: unknown };
        if (m.type === 'result') resolve(m.result);
      });
      ws.once('open', () => ws.send(JSON.stringify({ type: 'invoke', id: 1, command: 'vault.status', input: {} })));
    });
    ws.close();
    expect(status).toMatchObject({ ok: true, value: { unlocked: true } });
  }, 60_000);
});
