import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { CommandOutput, VmSummary } from '../../../core/contract';
import { useClient } from '../../app/shell-context';
import { useSiteNames } from '../../data/use-site-names';
import { VmPicker, type VmSelection } from '../../parts/VmPicker';
import { fanoutStore, type VmTarget } from './fanout-store';
import { errorText, hostPortLabel } from './fanout-text';

type ConfigHost = CommandOutput<'sshConfig.hosts'>[number];

const targetOf = (vm: VmSummary): VmTarget => ({ site: vm.site, vm: vm.moref, name: vm.name, address: vm.ipAddress });

/** Targets from the inventory, picked with the shared VM picker (they are reached at their guest IP); the form lists them as chips. */
export function InventoryVmTargets() {
  const picked = useStore(fanoutStore, (s) => s.vms);
  const { sites, site, setSite } = useSiteNames();
  const selection = useMemo((): VmSelection => {
    const isPicked = (vm: VmSummary): boolean => picked.some((p) => p.site === vm.site && p.vm === vm.moref);
    const setVms = (vms: VmTarget[]): void => fanoutStore.getState().set({ vms });
    return {
      site,
      setSite,
      isPicked,
      pickedCount: picked.length,
      toggle: (vm) => setVms(isPicked(vm) ? picked.filter((p) => !(p.site === vm.site && p.vm === vm.moref)) : [...picked, targetOf(vm)]),
      pick: (vms) => setVms([...picked, ...vms.filter((vm) => !isPicked(vm)).map(targetOf)]),
      clear: () => setVms([]),
    };
  }, [picked, site, setSite]);

  if (sites.length === 0) return <p className="muted small">No vCenter site yet: add one in Inventory to pick VMs here.</p>;
  return (
    <div className="fanout-vm-picker" data-testid="fanout-vm-picker">
      <VmPicker sites={sites} selection={selection} purpose="add as targets" compact />
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

