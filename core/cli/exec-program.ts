import { baseProgram, makeStrict, runProgram } from './base-program.js';
import { registerExecCommand } from './exec-cli.js';

/**
 * `outpost exec ...` and `outpost --version` without the rest of the CLI: the same global options,
 * conventions and `exec` command as the full program, but none of the other commands' modules
 * (contract schemas, vault, vSphere, certificates) are loaded: start-up is most of a short exec.
 */
export function runLightCli(argv: string[]): Promise<number> {
  const built = baseProgram();
  registerExecCommand(built.program, built.context);
  makeStrict(built.program);
  return runProgram(built, argv);
}

/** Whether argv is one the light program runs alike: its command is `exec`, or there is none but -V/--version. */
export function isLightCommand(argv: readonly string[]): boolean {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--db') {
      i++; // its value
      continue;
    }
    if (a === '--json' || a.startsWith('--db=')) continue;
    if (a === '-V' || a === '--version') return true;
    return a === 'exec';
  }
  return false;
}
