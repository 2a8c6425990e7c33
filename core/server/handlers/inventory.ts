import type { inventoryCommands } from '../../contract/inventory.js';
import type { DomainHandlers } from './index.js';
import type { Services } from '../services.js';

/** vCenter sites, inventory and VM operations; spread into createHandlers (index.ts). */
export function inventoryHandlers(s: Services): DomainHandlers<typeof inventoryCommands> {
  return {
    'sites.list': () => s.sites.list(),
    'sites.add': async (input, caller) => {
      const added = await s.inventory.addSite(input, caller.actor);
      await s.emitStatus();
      return added;
    },
    'inventory.sync': (input, caller) => s.inventory.sync(input, caller.actor),
    'inventory.watch.start': ({ site }) => s.inventory.startWatch(site),
    'inventory.watch.stop': ({ site }) => s.inventory.stopWatch(site),
    'inventory.watch.status': () => s.inventory.watchStatus(),
    'vms.list': (q) => s.inventory.listVms(q),
    'vms.count': (q) => s.inventory.countVms(q),
    'sites.remove': async ({ site }, caller) => {
      const removed = await s.inventory.removeSite(site, caller.actor);
      await s.emitStatus();
      return removed;
    },
    'vm.power': (input, caller) => s.inventory.power(input, caller.actor),
  };
}
