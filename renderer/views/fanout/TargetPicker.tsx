import { useEffect, useId, useState, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { CommandOutput, VmSummary } from '../../../core/contract';
import { useClient } from '../../app/shell-context';
import { useSiteNames } from '../../data/use-site-names';
import { useVmSearch } from '../../data/use-vm-search';
import { fanoutStore } from './fanout-store';
import { errorText, hostPortLabel } from './fanout-text';

type Vm = VmSummary;
type ConfigHost = CommandOutput<'sshConfig.hosts'>[number];

/** Targets from the inventory: search a site's VMs and add them (they are reached at their guest IP). */
export function VmPicker() {
  const id = useId();
  const picked = useStore(fanoutStore, (s) => s.vms);
  const { sites, site, setSite } = useSiteNames();
  const [query, setQuery] = useState('');
  const found = useVmSearch({ site, enabled: site !== '', query, limit: 50 }).rows;

  const add = (vms: Vm[]): void => {
    const s = fanoutStore.getState();
    const have = new Set(s.vms.map((v) => `${v.site}/${v.vm}`));
    s.set({ vms: [...s.vms, ...vms.filter((v) => !have.has(`${v.site}/${v.moref}`)).map((v) => ({ site: v.site, vm: v.moref, name: v.name, address: v.ipAddress }))] });
  };

  if (sites.length === 0) return <p className="muted small">No vCenter site yet: add one in Inventory to pick VMs here.</p>;
  return (
    <div className="fanout-vm-picker" data-testid="fanout-vm-picker">
      <div className="inline-field">
        <label htmlFor={`${id}-site`}>Site</label>
        <select id={`${id}-site`} value={site} onChange={(e) => setSite(e.target.value)}>
          {sites.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
        <label htmlFor={`${id}-q`} className="visually-hidden">
          Search VMs
        </label>
        <input id={`${id}-q`} type="search" placeholder="Search VMs by name, IP, guest OS" value={query} onChange={(e) => setQuery(e.target.value)} />
        <button type="button" className="button button-small" disabled={found.length === 0} onClick={() => add(found)}>
          Add all {found.length}
        </button>
      </div>
      <ul className="fanout-vm-list" aria-label="Matching VMs">
        {found.map((v) => {
          const already = picked.some((p) => p.site === v.site && p.vm === v.moref);
          return (
            <li key={v.moref}>
              <span className="mono">{v.name}</span> <span className="muted small">{v.ipAddress ?? 'no guest IP'}</span>
              <button type="button" className="button button-small" disabled={already} onClick={() => add([v])} aria-label={`Add ${v.name}`}>
                {already ? 'Added' : 'Add'}
              </button>
            </li>
          );
        })}
      </ul>
    </div>
  );
}

/** Hosts of the operator's ~/.ssh/config, offered as targets (HostName:Port). */
export function SshConfigImport({ onClose }: { onClose(): void }) {
  const client = useClient();
  const [hosts, setHosts] = useState<ConfigHost[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [chosen, setChosen] = useState<string[]>([]);
  useEffect(() => {
    client.invoke('sshConfig.hosts', {}).then(
      (list) => {
        setHosts(list);
        setChosen(list.map((h) => h.alias));
      },
      (err: unknown) => setError(errorText(err)),
    );
  }, [client]);
  const add = (): void => {
    const s = fanoutStore.getState();
    const have = new Set(s.configHosts.map((c) => c.alias));
    const picked = (hosts ?? []).filter((h) => chosen.includes(h.alias) && !have.has(h.alias));
    s.set({ configHosts: [...s.configHosts, ...picked.map((h) => ({ alias: h.alias, address: `${h.user ? `${h.user}@` : ''}${hostPortLabel(h.hostName, h.port)}`, proxyJump: h.proxyJump }))] });
    onClose();
  };
  return (
    <fieldset className="fanout-ssh-config" data-testid="fanout-ssh-config">
      <legend>Hosts from ~/.ssh/config</legend>
      <p className="muted small">Each is reached as ssh would: HostName, Port, User and its ProxyJump chain (jump hosts resolved through the same file), after any jump host(s) set below; every hop logs in with the job&apos;s credential.</p>
      {error && <p className="field-error">{error}</p>}
      {hosts && hosts.length === 0 && <p className="muted small">Your ~/.ssh/config names no hosts (wildcard entries are skipped).</p>}
      {hosts && hosts.length > 0 && (
        <ul className="fanout-vm-list">
          {hosts.map((h) => (
            <li key={h.alias}>
              <label className="checkbox-field">
                <input type="checkbox" checked={chosen.includes(h.alias)} onChange={(e) => setChosen((c) => (e.target.checked ? [...c, h.alias] : c.filter((a) => a !== h.alias)))} />
                <span className="mono">{h.alias}</span>
                <span className="muted small">
                  {h.user ? `${h.user}@` : ''}
                  {h.hostName}:{h.port}
                  {h.proxyJump.length > 0 ? ` via ${h.proxyJump.join(', ')} (its ProxyJump)` : ''}
                </span>
              </label>
            </li>
          ))}
        </ul>
      )}
      <div className="form-actions">
        <button type="button" className="button" onClick={onClose}>
          Close
        </button>
        <button type="button" className="button button-primary" disabled={chosen.length === 0} onClick={add}>
          Add {chosen.length} hosts
        </button>
      </div>
    </fieldset>
  );
}

/** One target in the form's chip list (a VM, a ~/.ssh/config host): its name, a detail, and a remove button. */
export function RemovableChip({ name, children, onRemove }: { name: string; children: ReactNode; onRemove(): void }) {
  return (
    <li className="fanout-chip">
      <span className="mono">{name}</span> <span className="muted small">{children}</span>
      <button type="button" className="fanout-chip-remove" aria-label={`Remove ${name}`} onClick={onRemove}>
        ×
      </button>
    </li>
  );
}

