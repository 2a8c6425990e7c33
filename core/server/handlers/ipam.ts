import { OutpostError } from '../../contract/errors.js';
import type { ipamCommands } from '../../contract/ipam.js';
import type { Services } from '../services.js';
import type { DomainHandlers } from './index.js';

/** Address pools and allocations. */
export function ipamHandlers(s: Services): DomainHandlers<typeof ipamCommands> {
  return {
    'ipam.pools.list': () => s.ipam.pools(),
    'ipam.pools.add': async (input, caller) => {
      await s.ipam.addPool(input, caller.actor);
      const pool = (await s.ipam.pools()).find((p) => p.name === input.name.trim());
      if (!pool) throw new OutpostError('INTERNAL', `Pool ${input.name} was added but cannot be read back.`);
      return pool;
    },
    'ipam.allocations.list': (q) => s.ipam.allocations(q),
  };
}
