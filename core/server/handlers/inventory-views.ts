import type { inventoryViewCommands } from '../../contract/inventory-views.js';
import type { DomainHandlers } from './index.js';
import type { Services } from '../services.js';

/** The navigation tree, the RVTools-style views and their export; spread into createHandlers (index.ts). */
export function inventoryViewHandlers(s: Services): DomainHandlers<typeof inventoryViewCommands> {
  return {
    'inventory.tree': ({ site }) => s.inventoryViews.tree(site),
    'inventory.view': (q) => s.inventoryViews.view(q),
    'inventory.export': (q) => s.inventoryViews.export(q),
  };
}
