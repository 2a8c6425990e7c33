// Builds (once, cached under .cache/) and starts the winrmtest launcher; killed by PID in stop().
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
const source = join(root, 'test', 'peers', 'winrmtest-launcher', 'main.go');
const cache = join(root, '.cache', 'winrmtest');
const binary = join(cache, 'winrmtest-launcher');

export const winrmtestAvailable = (): boolean => existsSync('/usr/share/gocode/src/github.com/dylanmei/winrmtest') && existsSync('/usr/bin/go');

function build(): void {
  if (existsSync(binary) && statSync(binary).mtimeMs > statSync(source).mtimeMs) return;
  mkdirSync(cache, { recursive: true });
  execFileSync('go', ['build', '-o', binary, source], {
    env: { ...process.env, GOPATH: '/usr/share/gocode', GO111MODULE: 'off', GOCACHE: join(cache, 'go-build') },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

export async function startWinrmtest(): Promise<{ url: string; stop(): void }> {
  build();
  const child = spawn(binary, [], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('winrmtest did not start')), 10_000);
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /PORT (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', () => reject(new Error('winrmtest exited')));
  });
  return {
    url: `http://127.0.0.1:${port}/wsman`,
    stop: () => {
      if (child.pid) {
        try {
          process.kill(child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    },
  };
}
