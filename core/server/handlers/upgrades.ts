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
  | 'ansibleInventory.export';

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
  };
}
