import { useState } from 'react';
import { useSiteNames } from '../../data/use-site-names';
import { useVmSearch } from '../../data/use-vm-search';

export interface PickedVm {
  site: string;
  moref: string;
  name: string;
}

/**
 * The one VM a terminal opens on: a site, a search (data/use-vm-search) and the matching VMs to
 * choose from. One pick, so a short list of buttons rather than the multi-pick VmPicker grid.
 */
export function VmTargetFields({ id, initialSite, vm, onPick }: { id: string; initialSite: string; vm: PickedVm | null; onPick(vm: PickedVm): void }) {
  const { sites, site, setSite } = useSiteNames(initialSite);
  const [query, setQuery] = useState('');
  const vms = useVmSearch({ site, enabled: site !== '', query, limit: 50 }).rows;
  return (
    <>
      {sites.length === 0 && !vm ? (
        <p className="muted small">No vCenter yet: add one in Inventory, sync it, then pick a VM here.</p>
      ) : (
        <div className="terminal-host-row">
          <div className="field">
            <label htmlFor={`${id}-site`}>Site</label>
            <select id={`${id}-site`} value={site} onChange={(e) => setSite(e.target.value)}>
              {sites.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${id}-vmq`}>Find a VM</label>
            <input id={`${id}-vmq`} value={query} onChange={(e) => setQuery(e.target.value)} placeholder="name, IP, guest OS" spellCheck={false} autoComplete="off" />
          </div>
        </div>
      )}
      {vm && (
        <p className="small">
          Selected: <strong>{vm.name}</strong> <span className="muted">({vm.site})</span>
        </p>
      )}
      {vms.length > 0 && (
        <ul className="terminal-vm-list" aria-label="VMs">
          {vms.map((v) => (
            <li key={`${v.site}/${v.moref}`}>
              <button type="button" className={`terminal-vm-option${vm?.moref === v.moref && vm.site === v.site ? ' terminal-vm-option-on' : ''}`} onClick={() => onPick({ site: v.site, moref: v.moref, name: v.name })}>
                <span>{v.name}</span> <span className="mono muted small">{v.ipAddress ?? 'no IP'}</span> <span className="muted small">{v.guestFullName ?? v.guestId ?? ''}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
