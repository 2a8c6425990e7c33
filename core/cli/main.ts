import { handleClosedOutput } from './output.js';
import { runCli } from './program.js';

// Entry of the `outpost` binary (bin/outpost.mjs loads the bundle of this file).
handleClosedOutput();
process.exitCode = await runCli(process.argv.slice(2));
