import { OutpostError } from '../../contract/errors.js';
import type { firewallPolicyCommands } from '../../contract/firewall-policy.js';
import type { Services } from '../services.js';
import type { DomainHandlers } from './index.js';

/**
 * Allow-lists, port forwards and drift. Every input is checked here, before a procedure starts
 * (unknown firewall, an address the firewall does not serve, a taken IP:port): a refused request
 * leaves nothing behind.
 */
export function firewallPolicyHandlers(s: Services): DomainHandlers<typeof firewallPolicyCommands> {
  return {
    'nat.policy': ({ firewall }) => s.natPolicy.policy(firewall),
    'nat.allow': async (input, caller) => {
      const spec = s.natPolicy.normaliseAllow(input);
      await s.natPolicy.checkAllow(spec);
      return { procedureId: await s.engine.start('nat.allow', spec, caller.actor) };
    },
    'nat.disallow': async (input, caller) => {
      const spec = s.natPolicy.normaliseAllow(input);
      const row = await s.natPolicy.findAllow(spec);
      return { procedureId: await s.engine.start('nat.disallow', { ...spec, allowId: row.id }, caller.actor) };
    },
    'nat.forward': async (input, caller) => {
      await s.natPolicy.checkForward(input);
      return { procedureId: await s.engine.start('nat.forward', input, caller.actor) };
    },
    'nat.unforward': async ({ firewall, publicIp, publicPort, proto }, caller) => {
      const f = await s.natPolicy.findForward(firewall, publicIp, publicPort, proto);
      return {
        procedureId: await s.engine.start(
          'nat.unforward',
          { firewall, publicIp, publicPort, proto, privateIp: f.privateIp, privatePort: f.privatePort, forwardId: f.id },
          caller.actor,
        ),
      };
    },
    'nat.reconcile': async ({ firewall, repair }, caller) => {
      const fw = await s.nat.firewall(firewall);
      const status = await s.natPolicy.check(firewall, caller.actor);
      if (!repair || status.state === 'in-sync') return { status, procedureId: null };
      if (fw.driver === 'manual') throw new OutpostError('VALIDATION', `Firewall ${firewall} is driven by hand: Outpost cannot read it, so there is no drift it can repair.`);
      if (status.state === 'unreachable') throw new OutpostError('UNREACHABLE', `Firewall ${firewall} could not be read: ${status.error?.message ?? ''}`);
      return { status, procedureId: await s.engine.start('nat.reconcile', { firewall }, caller.actor) };
    },
  };
}
