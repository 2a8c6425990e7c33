// `npm run dev`: the whole app in your browser against a dev data folder (.outpost-dev/).
// Vite rebuilds the renderer on every change (reload the page to see it); the headless host
// serves it with the contract. Ctrl+C stops both.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const children = [];
const stop = () => {
  for (const c of children) c.kill('SIGTERM');
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

await new Promise((resolve, reject) => {
  const b = spawn(process.execPath, [join(root, 'scripts', 'build-node.mjs')], { stdio: 'inherit' });
  b.on('exit', (code) => (code === 0 ? resolve() : reject(new Error('build-node failed'))));
});

const vite = spawn('npx', ['--no-install', 'vite', 'build', '--watch', '--mode', 'development'], { cwd: root, stdio: 'inherit' });
children.push(vite);

const index = join(root, 'dist', 'renderer', 'index.html');
while (!existsSync(index)) await new Promise((r) => setTimeout(r, 300));

const host = spawn(process.execPath, [join(root, 'dist', 'host', 'main.mjs'), '--data-dir', join(root, '.outpost-dev')], {
  cwd: root,
  stdio: 'inherit',
});
children.push(host);
host.on('exit', stop);
