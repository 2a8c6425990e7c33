import { useState } from 'react';
import type { CommandOutput } from '../../../core/contract';
import { downloadText } from '../../ui/download-text';
import { useContractForm } from '../../data/use-contract-form';

/** The inventory as an Ansible inventory file (sites, clusters, ESXi hosts, enrolled VMs): shown, and downloaded as a file. */
export function AnsibleInventoryPanel({ sites }: { sites: string[] }) {
  const form = useContractForm('The Ansible inventory was not exported');
  const [site, setSite] = useState('');
  const [format, setFormat] = useState<'ini' | 'yaml'>('ini');
  const [exported, setExported] = useState<CommandOutput<'ansibleInventory.export'> | null>(null);
  const fileName = `outpost-inventory${site ? `-${site.replace(/[^A-Za-z0-9_.-]+/g, '_')}` : ''}.${format === 'ini' ? 'ini' : 'yml'}`;
  const download = (): void => {
    form.run('ansibleInventory.export', { ...(site ? { site } : {}), format }, (r) => {
      setExported(r);
      downloadText(r.text, fileName, format === 'ini' ? 'text/plain' : 'application/yaml');
    });
  };
  return (
    <div className="ansible-inventory">
      <h2 className="section-heading">Ansible inventory</h2>
      <p className="muted">Groups per site and cluster (names that would clash get a short hash, so a play aimed at one cluster never reaches another), the ESXi hosts, and enrolled VMs by their public address.</p>
      <div className="toolbar">
        <label className="inline-field">
          <span>Site</span>
          <select value={site} onChange={(e) => setSite(e.target.value)} aria-label="Site">
            <option value="">All sites</option>
            {sites.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label className="inline-field">
          <span>Format</span>
          <select value={format} onChange={(e) => setFormat(e.target.value === 'yaml' ? 'yaml' : 'ini')} aria-label="Format">
            <option value="ini">INI</option>
            <option value="yaml">YAML</option>
          </select>
        </label>
        <button type="button" className="button button-primary" disabled={form.busy} onClick={download}>
          Download inventory
        </button>
      </div>
      {exported && (
        <>
          <p role="status" className="muted small">
            {exported.hosts} hosts and {exported.enrolledVms} enrolled VMs, saved as {fileName}.
          </p>
          <pre className="copyable-text mono" data-testid="ansible-inventory-text" tabIndex={0} aria-label="Ansible inventory">
            {exported.text}
          </pre>
        </>
      )}
    </div>
  );
}
