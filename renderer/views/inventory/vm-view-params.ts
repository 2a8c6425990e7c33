import { emptyVmQuery, type VmQuery } from './use-vm-rows';
import { toolsStatuses, type SortKey, type SortOrder } from './vm-rows';

/** What the VMs table keeps in the address: search, filters, sort and the selected VM (#/inventory?q=web&vm=lab%2Fvm-42). */
export interface VmViewState {
  q: VmQuery;
  order: SortOrder;
  /** site/moref of the selected VM. */
  selected: string | null;
}

const sortKeys: readonly SortKey[] = ['name', 'powerState', 'guestFullName', 'ipAddress', 'host', 'numCpu', 'memoryMB', 'toolsRunningStatus'];
const powerStates = ['poweredOn', 'poweredOff', 'suspended'] as const;
export const defaultOrder: SortOrder = { key: 'name', direction: 'ascending' };

function oneOf<T extends string>(value: string | null, allowed: readonly T[]): T | '' {
  return value !== null && (allowed as readonly string[]).includes(value) ? (value as T) : '';
}

/** Reads the state from the parameters; anything unknown (an old or hand-edited address) falls back to the default. */
export function vmViewFromParams(p: URLSearchParams): VmViewState {
  const sort = p.get('sort') ?? '';
  const [key, direction] = sort.split(':');
  const sortKey = oneOf(key ?? null, sortKeys);
  return {
    q: {
      ...emptyVmQuery,
      query: (p.get('q') ?? '').slice(0, 500),
      site: p.get('site') ?? '',
      powerState: oneOf(p.get('power'), powerStates),
      toolsStatus: oneOf(p.get('tools'), toolsStatuses),
      enrolled: oneOf(p.get('enrolled'), ['yes', 'no'] as const),
    },
    order: sortKey ? { key: sortKey, direction: direction === 'desc' ? 'descending' : 'ascending' } : defaultOrder,
    selected: p.get('vm') || null,
  };
}

/** Writes the state into the parameters, leaving defaults out so a plain #/inventory stays plain. */
export function writeVmView(p: URLSearchParams, s: VmViewState): void {
  const set = (name: string, value: string): void => (value ? p.set(name, value) : p.delete(name));
  set('q', s.q.query);
  set('site', s.q.site);
  set('power', s.q.powerState);
  set('tools', s.q.toolsStatus);
  set('enrolled', s.q.enrolled);
  const isDefault = s.order.key === defaultOrder.key && s.order.direction === defaultOrder.direction;
  set('sort', isDefault ? '' : `${s.order.key}:${s.order.direction === 'descending' ? 'desc' : 'asc'}`);
  set('vm', s.selected ?? '');
}
