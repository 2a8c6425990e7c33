#!/usr/bin/env node
// The `outpost` command: runs the CLI built by `npm run build:node` (done by `npm ci`).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const entry = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli', 'main.mjs');
if (!existsSync(entry)) {
  process.stderr.write('outpost: the CLI is not built; run `npm run build:node` (npm ci does it) first\n');
  process.exit(1);
}
await import(pathToFileURL(entry).href);
