import { handleClosedOutput } from './output.js';

// Entry of the `outpost` binary (bin/outpost.mjs loads the bundle of this file). `exec` and
// --version run a light program (exec-program.ts); everything else loads the full CLI. Both are
// loaded on demand (the bundle is split), so `exec` pays for none of the other commands' modules.
handleClosedOutput();
const argv = process.argv.slice(2);
const { isLightCommand } = await import('./exec-program.js');
process.exitCode = isLightCommand(argv) ? await (await import('./exec-program.js')).runLightCli(argv) : await (await import('./program.js')).runCli(argv);
