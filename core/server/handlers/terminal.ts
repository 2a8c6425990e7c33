import { join } from 'node:path';
import { launchDetached, rdpClientFor, rdpFileText, writeRdpFile } from '../../terminal/rdp-file.js';
import { findInventoryVm, resolveTerminalTarget, type TerminalTargetDeps } from '../../terminal/terminal-targets.js';
import { OutpostError, toContractError } from '../../contract/errors.js';
import { freeRdpArgs, freeRdpProgram } from '../../terminal/rdp/rdp-client.js';
import { connectRdp, splitRdpUser } from '../../terminal/rdp/rdp-connect.js';
import { shouldRecord } from '../../terminal/recording/recording-policy.js';
import type { Handlers } from './index.js';
import type { Services } from '../services.js';

/** An enrolled VM is one with an active CMDB record. */
async function isEnrolled(s: Services, site: string, vm: string): Promise<boolean> {
  const found = (await s.sites.list()).find((x) => x.name === site);
  return found ? (await s.enrollment.cmdb.activeByRef(found.id, vm)) !== null : false;
}

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
    'terminal.open': async ({ target, cols, rows, log, record }, caller) => {
      const opener = await resolveTerminalTarget(target, deps);
      const settings = await s.settings.get();
      const enrolled = target.type === 'vm' && (await isEnrolled(s, target.site, target.vm));
      return t.open(opener, { cols, rows, log, record: shouldRecord(enrolled ? settings.recordEnrolledTerminals : settings.recordTerminals, record) }, caller.actor);
    },
    'terminal.list': () => t.list(),
    'terminal.resize': ({ id, cols, rows }) => t.resize(id, cols, rows),
    'terminal.write': ({ id, data }) => ({ written: t.write(id, data) }),
    'terminal.close': ({ id }, caller) => t.close(id, caller.actor),
    'terminal.reconnect': ({ id }, caller) => t.reconnect(id, caller.actor),
    'terminal.log': ({ id, enabled }) => t.setLog(id, enabled),
    'terminal.rdp': async (input, caller) => {
      const { site, vm: ref, username, port, launch } = input;
      const vm = await findInventoryVm(deps, site, ref);
      // Public NAT or private address, as the site's vmAddress setting says (the endpoint layer decides).
      const { address } = await s.vmAddresses.resolve(site, vm);
      if (input.credential) {
        const credential = input.credential;
        const saved = await s.remote.credentials.password(credential);
        const program = freeRdpProgram();
        if (!program) throw new OutpostError('VALIDATION', 'No FreeRDP client found (xfreerdp3 or xfreerdp): install FreeRDP (Debian: freerdp2-x11), or leave the credential out to get a .rdp file.');
        const jumps = await Promise.all(input.jumps.map((j) => s.remote.endpoint(j)));
        const user = username ?? saved.user;
        const audit = (outcome: 'ok' | 'failed', extra: Record<string, unknown>) =>
          s.audit.append({ actor: caller.actor, action: input.check ? 'terminal.rdp.check' : 'terminal.rdp', target: `${vm.name} (${address}:${port})`, outcome, details: { site, user, credential, jumps: jumps.map((j) => `${j.host}:${j.port}`), ...extra } });
        try {
          const r = await connectRdp({ address, port, user, password: saved.password, jumps, hostKeys: s.remote.knownHosts, program, check: input.check, title: `${vm.name} (${site})` });
          await audit('ok', { program, tunnel: r.tunnel });
          const via = r.tunnel ? ` through an SSH tunnel (${r.tunnel})` : '';
          return {
            path: null,
            address: `${address}:${port}`,
            launched: input.check ? null : { program, args: freeRdpArgs({ ...splitRdpUser(user), host: address, port }, 'launch') },
            pid: r.pid,
            tunnel: r.tunnel,
            message: input.check ? `${vm.name} accepted the RDP login as ${user}${via}.` : `Started ${program} for ${vm.name} as ${user}${via}.`,
          };
        } catch (err) {
          await audit('failed', { code: toContractError(err).code });
          throw err;
        }
      }
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
      return { path, address: `${address}:${port}`, launched: client, pid: null, tunnel: null, message };
    },
  };
}
