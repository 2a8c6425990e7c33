import { useState } from 'react';
import { vmAddressModeSchema, type VmAddressMode } from '../../../core/contract';
import { saveSettings } from '../../app/settings-actions';
import { useClient, useShell, useShellStore } from '../../app/shell-context';
import { useSiteNames } from '../../data/use-site-names';

const modes: { value: VmAddressMode; label: string }[] = [
  { value: 'auto', label: 'Auto (public from outside the site, private inside)' },
  { value: 'public', label: 'Public (the NAT address on the site firewall)' },
  { value: 'private', label: 'Private (the VM\u2019s own address)' },
];

/** Per site: how its enrolled VMs are reached by terminals, fan-out, RDP and checks (the `vmAddress` setting). */
export function VmAddressPanel() {
  const client = useClient();
  const store = useShellStore();
  const settings = useShell((s) => s.settings);
  const { sites, loaded } = useSiteNames();
  const [saving, setSaving] = useState<string | null>(null);
  if (!settings || !loaded) return null;
  const choose = (site: string, mode: VmAddressMode): void => {
    setSaving(site);
    // The whole map goes: the setting is one value, and another site's choice must not be lost.
    saveSettings(client, store, { vmAddress: { ...settings.vmAddress, [site]: mode } })
      .catch(() => undefined)
      .finally(() => setSaving(null));
  };
  return (
    <section className="panel" data-testid="vm-address-panel" aria-labelledby="vm-address-heading">
      <h2 id="vm-address-heading">How VMs are reached</h2>
      <p className="field-hint">
        Per site: terminals, fan-out, RDP and checks reach an enrolled VM at its public (NAT) address or its private one. Auto picks public when this workstation is outside the site. A VM that is not enrolled has only its private address.
      </p>
      {sites.length === 0 ? (
        <p className="muted small">No vCenter site yet.</p>
      ) : (
        sites.map((site) => (
          <div className="field" key={site}>
            <label htmlFor={`vm-address-${site}`}>{site}</label>
            <select id={`vm-address-${site}`} value={settings.vmAddress[site] ?? 'auto'} disabled={saving === site} onChange={(e) => {
                const mode = vmAddressModeSchema.safeParse(e.target.value);
                if (mode.success) choose(site, mode.data);
              }}>
              {modes.map((m) => (
                <option key={m.value} value={m.value}>
                  {m.label}
                </option>
              ))}
            </select>
          </div>
        ))
      )}
    </section>
  );
}
