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
    'ipam.allocate': (input, caller) => s.ipam.allocate({ pool: input.pool, owner: input.owner, purpose: input.purpose, ...(input.address ? { address: input.address } : {}) }, caller.actor),
    'ipam.release': async (input, caller) => {
      if ('address' in input) return await s.ipam.releaseAddress({ address: input.address, ...(input.pool ? { pool: input.pool } : {}) }, caller.actor);
      const released = await s.ipam.release({ pool: input.pool, owner: input.owner, purpose: input.purpose }, caller.actor);
      if (!released) throw new OutpostError('NOT_FOUND', `${input.owner} holds no address in pool ${input.pool} for ${input.purpose}.`, { pool: input.pool, owner: input.owner });
      return released;
    },
  };
}
