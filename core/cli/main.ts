import { runCli } from './program.js';

// Entry of the `outpost` binary (bin/outpost.mjs loads the bundle of this file).
process.exitCode = await runCli(process.argv.slice(2));
