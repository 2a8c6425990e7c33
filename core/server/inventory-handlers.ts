import type { Handlers } from './handlers.js';
import type { Services } from './services.js';

type InventoryHandlerNames = 'sites.add' | 'inventory.sync' | 'inventory.watch.start' | 'inventory.watch.stop' | 'inventory.watch.status' | 'vms.list' | 'vms.count' | 'sites.remove' | 'vm.power';

/** vCenter sites, inventory and VM operations; spread into createHandlers (handlers.ts). */
export function inventoryHandlers(s: Services): Pick<Handlers, InventoryHandlerNames> {
  return {
    'sites.add': async (input, caller) => {
      const added = await s.inventory.addSite(input, caller.actor);
      s.emitStatus();
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
      s.emitStatus();
      return removed;
    },
    'vm.power': (input, caller) => s.inventory.power(input, caller.actor),
  };
}
