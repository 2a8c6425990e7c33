// Lint step: the packaged app's Electron fuses. Fuses are flipped in the Electron binary when
// electron-builder packages it (`electronFuses` in electron-builder.yml); without them anyone
// who can start the installed app can turn it into a plain Node runtime (ELECTRON_RUN_AS_NODE),
// inject code (NODE_OPTIONS=--require, --inspect and SIGUSR1) or swap app.asar, and so read
// what the unlocked vault hands the app. This check FAILS (exit 1) when a fuse below is
// missing or has the wrong value, when the app is not packed into an asar archive (the asar
// fuses need one), or when electron-builder's own schema rejects the config (a misspelt fuse).
//
// Usage: node scripts/check-electron-fuses.mjs [path/to/electron-builder.yml]
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import YAML from 'yaml';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The fuses the packaged app must have, and why. */
export const REQUIRED_FUSES = {
  // ELECTRON_RUN_AS_NODE=1 would make the signed app binary a general Node interpreter.
  runAsNode: false,
  // NODE_OPTIONS (--require, --inspect) and NODE_EXTRA_CA_CERTS from the environment are ignored.
  enableNodeOptionsEnvironmentVariable: false,
  // --inspect/--inspect-brk and SIGUSR1 do not open a debugger on the main process.
  enableNodeCliInspectArguments: false,
  // app.asar is checked against the hash built into the package (macOS, Windows).
  enableEmbeddedAsarIntegrityValidation: true,
  // The app loads only from app.asar, not from an app/ folder placed beside it.
  onlyLoadAppFromAsar: true,
  // The renderer comes from the app's own scheme (electron/app-origin.ts); file:// pages get no extra powers.
  grantFileProtocolExtraPrivileges: false,
};

/** What is wrong with an electron-builder config object's fuses (empty when nothing is). */
export function fuseProblems(config) {
  if (config === null || typeof config !== 'object') return ['the config is not a mapping'];
  const problems = [];
  const fuses = config.electronFuses;
  if (fuses === undefined || fuses === null) problems.push('electronFuses is missing: add the section with the fuses below');
  for (const [name, want] of Object.entries(REQUIRED_FUSES)) {
    const got = fuses?.[name];
    if (got === undefined) problems.push(`electronFuses.${name} is missing (must be ${want})`);
    else if (got !== want) problems.push(`electronFuses.${name} is ${JSON.stringify(got)} (must be ${want})`);
  }
  if (config.asar === false) problems.push('asar is false: onlyLoadAppFromAsar and asar integrity need the app in app.asar');
  return problems;
}

/** electron-builder's own validation of the config (its JSON schema rejects unknown or misspelt keys). */
export async function schemaProblems(config) {
  const require = createRequire(join(root, 'package.json'));
  const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js');
  const { DebugLogger } = require('builder-util');
  try {
    await validateConfiguration(structuredClone(config), new DebugLogger(false));
    return [];
  } catch (err) {
    return [`electron-builder rejects the config: ${String(err.message).split('\n').slice(0, 4).join(' ')}`];
  }
}

async function main() {
  const file = resolve(process.argv[2] ?? join(root, 'electron-builder.yml'));
  let config;
  try {
    config = YAML.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    console.error(`electron fuses: cannot read ${file}: ${err.message}`);
    process.exit(1);
  }
  // electron-builder's schema takes seconds to load: ask it only when the fuses themselves are right.
  const problems = fuseProblems(config);
  if (problems.length === 0) problems.push(...(await schemaProblems(config)));
  if (problems.length > 0) {
    console.error(`electron fuses: ${file} is not safe to package:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    process.exit(1);
  }
  console.log(`electron fuses: ok (${Object.keys(REQUIRED_FUSES).length} fuses set in ${file})`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
