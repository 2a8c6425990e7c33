import type { vmAccessCommands } from '../../contract/vm-access.js';
import type { Services } from '../services.js';
import type { DomainHandlers } from './index.js';

/** Per-VM tools beside power: console windows and guestinfo keys; spread into createHandlers (index.ts). */
export function vmAccessHandlers(s: Services): DomainHandlers<typeof vmAccessCommands> {
  return {
    // Only the headless host serves console windows (core/host/console-page.ts); everywhere the
    // operator can ask for a VMware Remote Console link that carries a one-time clone ticket.
    'vm.console.open': (input, caller) => s.consoles.open(input, caller.actor, caller.transport === 'host'),
    'vm.guestinfo.get': (input) => s.guestInfo.get(input),
    'vm.guestinfo.set': (input, caller) => s.guestInfo.set(input, caller.actor),
  };
}
