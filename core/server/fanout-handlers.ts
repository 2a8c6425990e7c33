import { OutpostError } from '../contract/errors.js';
import { parseHostPort } from '../contract/fanout-commands.js';
import type { VmSummary } from '../contract/inventory-commands.js';
import type { FanoutTarget } from '../remote/fanout-jobs.js';
import { guestAddress } from '../terminal/terminal-targets.js';
import type { Handlers } from './handlers.js';
import type { Services } from './services.js';

type FanoutCommand = 'fanout.start' | 'fanout.rerun' | 'fanout.cancel' | 'fanout.get' | 'fanout.list';

/** Fan-out jobs: targets resolved here (host[:port] text, inventory VMs by guest IP), run by `services.fanout`. */
export function createFanoutHandlers(s: Services): Pick<Handlers, FanoutCommand> {
  return {
    'fanout.start': (input, caller) => {
      // The credential and its user are checked before anything starts (a missing one is one clear error).
      const { user, auth } = s.remote.credentials.sshAuth(input.credential);
      const name = input.user ?? user;
      if (!name) throw new OutpostError('VALIDATION', `No user: give one, or save it in credential "${input.credential}".`);
      const targets: FanoutTarget[] = input.hosts.map((text) => ({ ...parseHostPort(text)!, vm: null }));
      const bySite = new Map<string, VmSummary[]>();
      for (const ref of input.vms) {
        let vms = bySite.get(ref.site);
        if (!vms) {
          vms = s.inventory.listVms({ site: ref.site, includeRemoved: false, limit: 200_000 });
          bySite.set(ref.site, vms);
        }
        const vm = vms.find((v) => v.moref === ref.vm) ?? vms.find((v) => v.name === ref.vm);
        if (!vm) throw new OutpostError('NOT_FOUND', `No VM ${ref.vm} in site ${ref.site}. Sync the site, then pick the VM again.`);
        const label = `${ref.site}/${vm.name}`;
        try {
          targets.push({ host: guestAddress(vm), port: ref.port, vm: label });
        } catch (err) {
          targets.push({ label, vm: label, error: err instanceof OutpostError ? err : new OutpostError('VALIDATION', String(err)) });
        }
      }
      return s.fanout.start({ targets, credential: input.credential, user: name, auth, command: input.command, concurrency: input.concurrency, timeoutMs: input.timeoutMs }, caller.actor);
    },
    'fanout.rerun': ({ jobId, hosts }, caller) => s.fanout.rerun(jobId, hosts, s.remote.credentials.sshAuth(s.fanout.credentialOf(jobId)).auth, caller.actor),
    'fanout.cancel': ({ jobId }, caller) => s.fanout.cancel(jobId, caller.actor),
    'fanout.get': ({ jobId }) => s.fanout.get(jobId),
    'fanout.list': () => s.fanout.list(),
  };
}
