import { OutpostError } from '../../contract/errors.js';
import { parseHostPort } from '../../contract/fanout.js';
import { guestAddress } from '../../terminal/terminal-targets.js';
import type { PlaybookTarget } from '../../upgrades/playbook-runs.js';
import { inventoryVms, publicAddresses } from '../inventory-vms.js';
import type { Handlers } from './index.js';
import type { Services } from '../services.js';

type UpgradeHandlerNames =
  | 'upgrade.plan'
  | 'upgrade.create'
  | 'upgrade.list'
  | 'upgrade.status'
  | 'upgrade.run'
  | 'upgrade.pause'
  | 'upgrade.resume'
  | 'upgrade.abort'
  | 'upgrade.hosts'
  | 'upgrade.backups'
  | 'ansibleInventory.export'
  | 'playbook.run'
  | 'playbook.get'
  | 'playbook.list'
  | 'playbook.cancel';

/** Rolling host upgrades and the Ansible inventory export; spread into createHandlers (index.ts). */
export function upgradeHandlers(s: Services): Pick<Handlers, UpgradeHandlerNames> {
  return {
    'upgrade.plan': (input) => s.upgrades.preview(input),
    'upgrade.create': (input, caller) => s.upgrades.create(input, caller.actor),
    'upgrade.list': ({ site }) => s.upgrades.list(site),
    'upgrade.status': ({ planId }) => s.upgrades.status(planId),
    'upgrade.run': ({ planId }, caller) => s.upgrades.run(planId, caller.actor),
    'upgrade.pause': ({ planId }, caller) => s.upgrades.pause(planId, caller.actor),
    'upgrade.resume': ({ planId }, caller) => s.upgrades.resume(planId, caller.actor),
    'upgrade.abort': ({ planId }, caller) => s.upgrades.abort(planId, caller.actor),
    'upgrade.hosts': (q) => s.upgrades.hosts(q),
    'upgrade.backups': (q) => s.upgrades.backups(q),
    'ansibleInventory.export': (q) => s.upgrades.exportInventory(q),
    'playbook.run': async (i, caller) => {
      // The credential, the VMs and their addresses are checked before anything starts (each a clear error).
      const { user, auth } = await s.remote.credentials.sshAuth(i.credential);
      const name = i.user ?? user;
      if (!name) throw new OutpostError('VALIDATION', `No user: give one, or save it in credential "${i.credential}".`);
      const vms = await inventoryVms(s, i.vms);
      const publics = i.address === 'public' ? await publicAddresses(s, vms.map((v) => v.site)) : new Map<string, string>();
      const addressOf = (vm: (typeof vms)[number]): string => {
        if (i.address === 'private') return guestAddress(vm);
        const pub = publics.get(`${vm.site}\u0000${vm.moref}`);
        if (!pub) throw new OutpostError('VALIDATION', `VM ${vm.site}/${vm.name} has no public address: it is not enrolled. Use its private address, or enroll it first.`, { vm: `${vm.site}/${vm.name}` });
        return pub;
      };
      const targets: PlaybookTarget[] = [
        ...vms.map((vm, n) => ({ target: `${vm.site}/${vm.name}`, name: vm.name, host: addressOf(vm), port: i.vms[n]!.port })),
        ...i.hosts.map((text) => {
          const { host, port } = parseHostPort(text)!;
          return { target: `${host}:${port}`, name: port === 22 ? host : `${host}_${port}`, host, port };
        }),
      ];
      return s.playbooks.start({ playbook: i.playbook, targets, credential: i.credential, user: name, auth }, caller.actor);
    },
    'playbook.get': ({ runId }) => s.playbooks.get(runId),
    'playbook.list': () => s.playbooks.list(),
    'playbook.cancel': ({ runId }, caller) => s.playbooks.cancel(runId, caller.actor),
  };
}
