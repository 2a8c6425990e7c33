import { OutpostError } from '../../contract/errors.js';
import type { inventoryCommands } from '../../contract/inventory.js';
import type { DomainHandlers } from './index.js';
import type { Services } from '../services.js';

const POWER_TITLE = { on: 'Power on', off: 'Power off', reset: 'Reset', shutdown: 'Shut down guest of' } as const;

/** A task is recorded only for an action on a site that exists (a typo is a plain NOT_FOUND, not a failed task). */
async function knownSite(s: Services, site: string): Promise<void> {
  if (!(await s.sites.list()).some((x) => x.name === site)) throw new OutpostError('NOT_FOUND', `No site named "${site}". List them with sites.list (outpost sites list).`, { site });
}

/** vCenter sites, inventory and VM operations; spread into createHandlers (index.ts). */
export function inventoryHandlers(s: Services): DomainHandlers<typeof inventoryCommands> {
  return {
    'sites.list': () => s.sites.listWithIndex(s.inventory.events),
    'sites.add': async (input, caller) => {
      const added = await s.inventory.addSite(input, caller.actor);
      await s.emitStatus();
      return added;
    },
    'inventory.sync': async (input, caller) => {
      await knownSite(s, input.site);
      return s.tasks.track(
        { kind: 'site.sync', title: `Sync ${input.site}`, target: input.site, startedBy: caller.actor, link: { view: 'inventory', ref: 'sites' } },
        () => s.inventory.sync(input, caller.actor),
        (r) => `${r.counts.vms} VMs, ${r.counts.hosts} hosts in ${(r.elapsedMs / 1000).toFixed(1)} s`,
      );
    },
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
    'vm.power': async (input, caller) => {
      await knownSite(s, input.site);
      return s.tasks.track(
        { kind: 'vm.power', title: `${POWER_TITLE[input.action]} ${input.vm}`, target: `${input.site}/${input.vm}`, startedBy: caller.actor, link: { view: 'inventory', ref: null, params: { site: input.site, q: input.vm } } },
        () => s.inventory.power(input, caller.actor),
        (r) => `Now ${r.powerState}`,
      );
    },
    'events.list': (q) => s.inventory.listEvents(q),
  };
}
