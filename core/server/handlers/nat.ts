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
      const forwarded = input.publicIp !== undefined ? await s.natPolicy.forwardsTo(input.publicIp) : [];
      if (forwarded.length > 0) {
        throw new OutpostError('NAT_CONFLICT', `${input.publicIp} already has port forwards (${forwarded.map((f) => `${f.publicPort}/${f.proto}`).join(', ')}); a 1:1 NAT would take every port. Remove them first (nat unforward).`);
      }
      return { procedureId: await s.engine.start('nat.add', await resolveNatPublicSource(s.ipam, input), caller.actor) };
    },
    'nat.remove': async ({ publicIp }, caller) => {
      if (!await s.nat.liveByPublic(publicIp)) throw new OutpostError('NOT_FOUND', `No live NAT for ${publicIp}.`);
      return { procedureId: await s.engine.start('nat.remove', { publicIp }, caller.actor) };
    },
  };
}
