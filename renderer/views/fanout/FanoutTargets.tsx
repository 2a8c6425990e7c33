import { useState } from 'react';
import { useStore } from 'zustand';
import { fanoutStore } from './fanout-store';
import type { parseTargets } from './fanout-rows';
import { InventoryVmTargets, RemovableChip, SshConfigImport } from './TargetPicker';

/**
 * Where the command runs: pasted host[:port] lines, VMs added from the inventory (reached at their
 * guest IP on one SSH port) and hosts imported from ~/.ssh/config, each listed as a removable chip.
 */
export function FanoutTargets({ id, parsed }: { id: string; parsed: ReturnType<typeof parseTargets> }) {
  const hostsText = useStore(fanoutStore, (s) => s.hostsText);
  const vms = useStore(fanoutStore, (s) => s.vms);
  const vmPort = useStore(fanoutStore, (s) => s.vmPort);
  const configHosts = useStore(fanoutStore, (s) => s.configHosts);
  const [picking, setPicking] = useState<'vms' | 'ssh-config' | null>(null);
  const targetCount = parsed.hosts.length + vms.length + configHosts.length;
  const set = fanoutStore.getState().set;
  const toggle = (source: 'vms' | 'ssh-config'): void => setPicking(picking === source ? null : source);

  return (
    <>
      <div className="field">
        <label htmlFor={`${id}-hosts`}>Hosts</label>
        <textarea
          id={`${id}-hosts`}
          className="mono"
          rows={5}
          spellCheck={false}
          placeholder={'10.0.0.11\n10.0.0.12:2222\nesx-03.lab.example'}
          value={hostsText}
          onChange={(e) => set({ hostsText: e.target.value })}
          aria-describedby={`${id}-hosts-hint`}
        />
        <p id={`${id}-hosts-hint`} className="field-hint">
          One host[:port] per line ([IPv6]:port with a port); # starts a comment.{' '}
          <span data-testid="fanout-target-count">
            {targetCount} {targetCount === 1 ? 'target' : 'targets'}
          </span>
          {parsed.invalid.length > 0 && <span className="field-error"> · {parsed.invalid.length} not understood (line {parsed.invalid[0]!.line})</span>}
        </p>
        <div className="fanout-target-sources">
          <button type="button" className="button button-small" aria-pressed={picking === 'vms'} onClick={() => toggle('vms')}>
            Add VMs from inventory…
          </button>
          <button type="button" className="button button-small" aria-pressed={picking === 'ssh-config'} onClick={() => toggle('ssh-config')}>
            Import ~/.ssh/config hosts…
          </button>
        </div>
      </div>
      {picking === 'vms' && <InventoryVmTargets />}
      {picking === 'ssh-config' && <SshConfigImport onClose={() => setPicking(null)} />}
      {vms.length > 0 && (
        <div className="inline-field fanout-vm-port">
          <label htmlFor={`${id}-vmport`}>SSH port on the VMs</label>
          <input id={`${id}-vmport`} type="number" min={1} max={65535} value={vmPort} onChange={(e) => set({ vmPort: e.target.value })} />
          <span className="muted small">each VM is reached at its guest IP</span>
        </div>
      )}
      {vms.length > 0 && (
        <ul className="fanout-chips" aria-label="VMs to run on">
          {vms.map((v) => (
            <RemovableChip key={`${v.site}/${v.vm}`} name={v.name} onRemove={() => set({ vms: fanoutStore.getState().vms.filter((x) => x !== v) })}>
              {v.address ?? 'no guest IP'}
            </RemovableChip>
          ))}
        </ul>
      )}
      {configHosts.length > 0 && (
        <ul className="fanout-chips" aria-label="~/.ssh/config hosts to run on" data-testid="fanout-config-hosts">
          {configHosts.map((c) => (
            <RemovableChip key={c.alias} name={c.alias} onRemove={() => set({ configHosts: fanoutStore.getState().configHosts.filter((x) => x !== c) })}>
              {c.address}
              {c.proxyJump.length > 0 && ` via ${c.proxyJump.join(', ')}`}
            </RemovableChip>
          ))}
        </ul>
      )}
    </>
  );
}
