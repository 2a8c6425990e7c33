import { OutpostError } from '../../contract/errors.js';
import type { natCommands } from '../../contract/nat.js';
import type { Services } from '../services.js';
import { resolveNatPublicSource } from '../../nat/nat-add.procedure.js';
import type { DomainHandlers } from './index.js';

/** Firewalls and NAT records; adding or removing a NAT starts its durable procedure. */
export function natHandlers(s: Services): DomainHandlers<typeof natCommands> {
  return {
    'firewalls.list': () => s.nat.firewalls(),
    'firewalls.add': (input, caller) => s.nat.addFirewall(input, caller.actor),
    'nat.list': (q) => s.nat.list(q),
    'nat.add': async (input, caller) => {
      await s.nat.firewall(input.firewall); // a clear NOT_FOUND now rather than a failed run later
      return { procedureId: await s.engine.start('nat.add', await resolveNatPublicSource(s.ipam, input), caller.actor) };
    },
    'nat.remove': async ({ publicIp }, caller) => {
      if (!await s.nat.liveByPublic(publicIp)) throw new OutpostError('NOT_FOUND', `No live NAT for ${publicIp}.`);
      return { procedureId: await s.engine.start('nat.remove', { publicIp }, caller.actor) };
    },
  };
}
