import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createOutpostCore } from '../server/core.js';
import { defaultDataDir } from '../server/data-dir.js';
import { takeEnvPassphrase } from '../vault/env-passphrase.js';
import { startHost } from './host-server.js';

// `npm run host` / `node dist/host/main.mjs`: the whole app in a browser, for e2e and development.
const usage = `Usage: outpost-host [--port N] [--data-dir DIR] [--static DIR] [--json] [--no-index]
  Serves the renderer and the contract on 127.0.0.1 with a per-run token, and keeps every site
  indexed (unless --no-index, or another Outpost process already indexes this store).
  The vault passphrase, if any, comes from OUTPOST_VAULT_PASSPHRASE.`;

async function main(): Promise<void> {
  let args;
  try {
    args = parseArgs({
      options: {
        port: { type: 'string', default: '0' },
        'data-dir': { type: 'string' },
        static: { type: 'string' },
        json: { type: 'boolean', default: false },
        'no-index': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }).values;
  } catch (err) {
    process.stderr.write(`outpost-host: ${(err as Error).message}\n${usage}\n`);
    process.exit(2);
  }
  if (args.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  const port = Number(args.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`outpost-host: --port must be 0-65535, got ${args.port}\n`);
    process.exit(2);
  }
  const here = dirname(fileURLToPath(import.meta.url));
  const staticDir = resolve(args.static ?? join(here, '..', 'renderer'));
  if (!existsSync(join(staticDir, 'index.html'))) {
    process.stderr.write(`outpost-host: no built renderer in ${staticDir}; run \`npm run build\` first\n`);
    process.exit(2);
  }
  const dataDir = resolve(args['data-dir'] ?? defaultDataDir());
  const passphrase = takeEnvPassphrase();
  const core = await createOutpostCore({
    dataDir,
    transport: 'host',
    resumeProcedures: true,
    ...(args['no-index'] ? {} : { liveIndex: 'prefer' as const }),
    ...(passphrase ? { passphrase } : {}),
  });
  const host = await startHost({ core, staticDir, port });
  if (args.json) {
    process.stdout.write(`${JSON.stringify({ url: host.url, openUrl: host.openUrl, port: host.port, dataDir, pid: process.pid })}\n`);
  } else {
    process.stdout.write(`Outpost host on ${host.url} (data: ${dataDir})\nOpen: ${host.openUrl}\n`);
  }
  const stop = (): void => {
    void Promise.all([host.close(), core.services.inventory.close()]).then(async () => {
      await core.close();
      process.exit(0);
    });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`outpost-host: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
