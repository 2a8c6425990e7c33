// vitest globalSetup (node project): builds the CLI, the headless host and the Electron entry
// points once, before any test file runs. Tests that spawn `bin/outpost.mjs` or `dist/host` rely on
// it instead of rebuilding themselves: with several workers, a file rebuilding dist/ while another
// file's child process loads it could read a half-written bundle.
//
// It also builds the vcsim launcher (cached in .cache/ by its source's hash) when Go is here: the
// first test file to start vcsim would otherwise compile it synchronously inside a worker, and on a
// fresh clone two workers did so at once for over 20 s each (a worker blocked for 60 s misses its
// RPC reply and fails the run).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { buildVcsim, vcsimUnavailable } from './peers/vcsim.js';

export default function setup(): void {
  execFileSync(process.execPath, [join(import.meta.dirname, '..', 'scripts', 'build-node.mjs')], { stdio: 'inherit' });
  if (vcsimUnavailable() === null) buildVcsim();
}
