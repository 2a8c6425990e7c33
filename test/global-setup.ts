// vitest globalSetup (node project): builds the CLI, the headless host and the Electron entry
// points once, before any test file runs. Tests that spawn `bin/outpost.mjs` or `dist/host` rely on
// it instead of rebuilding themselves: with several workers, a file rebuilding dist/ while another
// file's child process loads it could read a half-written bundle.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export default function setup(): void {
  execFileSync(process.execPath, [join(import.meta.dirname, '..', 'scripts', 'build-node.mjs')], { stdio: 'inherit' });
}
