import { describe, expect, it } from 'vitest';
import { hashForView, paramsFromHash, subPathFromHash, viewFromHash } from '../../navigation/hash-route';
import { vmViewFromParams, writeVmView, type VmViewState } from './vm-view-params';

describe('VMs table state in the address', () => {
  it('round-trips search, filters, sort and selection; defaults stay out of the address', () => {
    const state: VmViewState = {
      q: { query: 'web 10.0', site: 'lab', powerState: 'poweredOn', toolsStatus: 'guestToolsRunning', enrolled: 'no' },
      order: { key: 'memoryMB', direction: 'descending' },
      selected: 'lab/vm-42',
    };
    const p = new URLSearchParams();
    writeVmView(p, state);
    const hash = hashForView('inventory', undefined, p);
    expect(hash).toBe('#/inventory?q=web+10.0&site=lab&power=poweredOn&tools=guestToolsRunning&enrolled=no&sort=memoryMB%3Adesc&vm=lab%2Fvm-42');
    expect(viewFromHash(hash)).toBe('inventory');
    expect(subPathFromHash(hash, 'inventory')).toBeNull();
    expect(vmViewFromParams(paramsFromHash(hash))).toEqual(state);

    const plain = new URLSearchParams();
    writeVmView(plain, vmViewFromParams(new URLSearchParams()));
    expect(plain.toString()).toBe('');
  });

  it('ignores what it does not know (a hand-edited or older address)', () => {
    const s = vmViewFromParams(new URLSearchParams('power=exploded&sort=nope:desc&enrolled=maybe'));
    expect(s.q.powerState).toBe('');
    expect(s.q.enrolled).toBe('');
    expect(s.order).toEqual({ key: 'name', direction: 'ascending' });
  });

  it('keeps a sub path with parameters (#/inventory/hosts?x=1)', () => {
    expect(viewFromHash('#/inventory/hosts?x=1')).toBe('inventory');
    expect(subPathFromHash('#/inventory/hosts?x=1', 'inventory')).toBe('hosts');
  });
});
