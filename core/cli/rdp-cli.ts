import type { Command } from 'commander';
import { parseJumpList } from '../contract/fanout.js';
import { UsageError } from './cli-error.js';
import { positiveInt, type CliContext } from './cli-context.js';
import { collect } from './ssh-cli-options.js';

interface RdpOptions {
  site: string;
  vm: string;
  credential?: string;
  user?: string;
  port?: number;
  jump?: string[];
  jumpCredential?: string;
  check?: boolean;
  fileOnly?: boolean;
}

/**
 * `outpost rdp`: the RDP client for a VM, logged in with a vault credential (the password goes to
 * FreeRDP on its stdin), through an SSH tunnel when --jump is given. The command stays until the
 * client's window closes when a tunnel carries it (the tunnel lives in this process).
 */
export function registerRdpCommand(program: Command, context: CliContext): void {
  program
    .command('rdp')
    .description("Remote Desktop to a Windows VM: starts FreeRDP logged in with a vault credential (never on a command line or on disk), through an SSH tunnel with --jump; without --credential writes a .rdp file and opens it")
    .requiredOption('--site <name>', 'site name')
    .requiredOption('--vm <name>', 'VM name (or moref)')
    .option('--credential <name>', 'user + password credential profile to log in with')
    .option('--user <user>', "log in as this user (DOMAIN\\user or user@domain); default: the credential's")
    .option('--port <port>', 'RDP port (default 3389)', positiveInt('--port', 65535))
    .option('--jump <[user@]host[:port]>', 'SSH jump host (repeat, or a comma list, first hop first); needs --jump-credential', collect)
    .option('--jump-credential <name>', 'credential profile the jump hosts authenticate with')
    .option('--check', 'only prove the login (NLA) and exit: 0 when the server accepted it')
    .option('--file-only', 'write the .rdp file and start nothing')
    .action(async (o: RdpOptions) => {
      const parsed = parseJumpList((o.jump ?? []).join(','));
      if ('error' in parsed) throw new UsageError(`--jump: ${parsed.error}`);
      if (parsed.hops.length > 0 && !o.jumpCredential) throw new UsageError('--jump needs --jump-credential NAME (the credential profile the jump hosts take).');
      if ((parsed.hops.length > 0 || o.check) && !o.credential) throw new UsageError('--jump and --check need --credential NAME.');
      if (o.fileOnly && o.credential) throw new UsageError('--file-only writes a .rdp file without a credential; leave out --credential.');
      const jumps = parsed.hops.map((h) => ({ host: h.host, port: h.port, ...(h.user ? { user: h.user } : {}), credential: o.jumpCredential! }));
      const r = await context.call('terminal.rdp', {
        site: o.site,
        vm: o.vm,
        ...(o.user ? { username: o.user } : {}),
        ...(o.port ? { port: o.port } : {}),
        ...(o.credential ? { credential: o.credential } : {}),
        jumps,
        check: Boolean(o.check),
        launch: !o.fileOnly,
      });
      const out = context.out;
      out.write(out.json ? JSON.stringify(r) : r.message);
    });
}
