import type { consoleCommands } from '../contract/console-commands.js';
import type { networkingCommands } from '../contract/networking-commands.js';
import type { Handlers } from './handlers.js';
import type { Services } from './services.js';

type NetworkingHandlerNames = keyof typeof networkingCommands | keyof typeof consoleCommands;

/** VLAN port groups, VM consoles and guestinfo keys; spread into createHandlers (handlers.ts). */
export function networkingHandlers(s: Services): Pick<Handlers, NetworkingHandlerNames> {
  return {
    'vlan.list': ({ site }) => s.vlan.list(site),
    'vlan.ensure': (input, caller) => s.vlan.ensure(input, caller.actor),
    // Only the headless host serves console windows (core/host/console-page.ts); elsewhere the
    // operator gets the VMware Remote Console link and no ticket is taken.
    'vm.console.open': (input, caller) => s.consoles.open(input, caller.actor, caller.transport === 'host'),
    'vm.guestinfo.get': (input) => s.guestInfo.get(input),
    'vm.guestinfo.set': (input, caller) => s.guestInfo.set(input, caller.actor),
  };
}
