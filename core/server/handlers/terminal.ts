import { join } from 'node:path';
import { launchDetached, rdpClientFor, rdpFileText, writeRdpFile } from '../../terminal/rdp-file.js';
import { findInventoryVm, resolveTerminalTarget, type TerminalTargetDeps } from '../../terminal/terminal-targets.js';
import type { Handlers } from './index.js';
import type { Services } from '../services.js';

type TerminalCommand = 'terminal.open' | 'terminal.list' | 'terminal.resize' | 'terminal.write' | 'terminal.close' | 'terminal.reconnect' | 'terminal.log' | 'terminal.rdp';

/** Embedded terminals: open/close/resize here; their bytes travel on the terminal stream (core/terminal). */
export function createTerminalHandlers(s: Services): Pick<Handlers, TerminalCommand> {
  const t = s.terminals;
  const deps: TerminalTargetDeps = {
    remote: s.remote,
    findVm: async (site, moref) => (await s.inventory.listVms({ site, includeRemoved: false, limit: 200_000 })).find((v) => v.moref === moref || v.name === moref),
    vmAddress: (site, vm) => s.vmAddresses.resolve(site, vm),
  };
  return {
    'terminal.open': async ({ target, cols, rows, log }, caller) => t.open(await resolveTerminalTarget(target, deps), { cols, rows, log }, caller.actor),
    'terminal.list': () => t.list(),
    'terminal.resize': ({ id, cols, rows }) => t.resize(id, cols, rows),
    'terminal.write': ({ id, data }) => ({ written: t.write(id, data) }),
    'terminal.close': ({ id }, caller) => t.close(id, caller.actor),
    'terminal.reconnect': ({ id }, caller) => t.reconnect(id, caller.actor),
    'terminal.log': ({ id, enabled }) => t.setLog(id, enabled),
    'terminal.rdp': async ({ site, vm: ref, username, port, launch }, caller) => {
      const vm = await findInventoryVm(deps, site, ref);
      // Public NAT or private address, as the site's vmAddress setting says (the endpoint layer decides).
      const { address } = await s.vmAddresses.resolve(site, vm);
      const path = writeRdpFile(join((await s.info()).dataDir, 'rdp'), `${site}-${vm.name}`, rdpFileText({ address, port, username }));
      const client = launch ? rdpClientFor(path) : null;
      let message: string;
      if (!launch) message = `Wrote ${path}. Open it with your RDP client.`;
      else if (!client) message = `No RDP client found (xfreerdp3, xfreerdp or remmina). Open ${path} with yours.`;
      else {
        await launchDetached(client);
        message = `Opened ${path} with ${client.program}.`;
      }
      await s.audit.append({ actor: caller.actor, action: 'terminal.rdp', target: `${vm.name} (${address}:${port})`, outcome: 'ok', details: { site, path, launched: client?.program ?? null } });
      return { path, address: `${address}:${port}`, launched: client, message };
    },
  };
}
