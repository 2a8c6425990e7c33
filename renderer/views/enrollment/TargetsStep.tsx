import type { Dispatch, ReactNode } from 'react';
import type { FirewallView, PoolView } from '../../../core/contract';
import type { CredentialView } from '../../../core/contract/remote';
import type { EnrollmentRules } from '../../../core/contract/enrollment';
import { hashForView } from '../../navigation/hash-route';
import { FieldError } from '../../ui/FieldError';
import { FieldNotes, TextField, describedBy } from '../../ui/TextField';
import type { FieldBinding } from '../../data/use-form-draft';
import type { EnrollDraft, OsActions, WizardAction } from './wizard-state';

interface TargetsStepProps {
  draft: EnrollDraft;
  dispatch: Dispatch<WizardAction>;
  credentials: CredentialView[] | null;
  firewalls: FirewallView[] | null;
  pools: PoolView[] | null;
  rules: EnrollmentRules | null;
  /** Problems to show (after the operator tried to go on). */
  errors: Record<string, string>;
}

function Choice({
  id,
  label,
  value,
  onChange,
  options,
  empty,
  error,
  hint,
}: {
  id: string;
  label: string;
  value: string;
  onChange(value: string): void;
  options: { value: string; label: string }[] | null;
  empty: string;
  error: string | undefined;
  hint?: ReactNode;
}) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)} aria-invalid={error ? true : undefined} aria-describedby={describedBy(id, hint, error)}>
        <option value="">{options === null ? 'Loading…' : options.length === 0 ? empty : `Pick a ${label.toLowerCase()}`}</option>
        {options?.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      <FieldNotes id={id} hint={hint} error={error} />
    </div>
  );
}

/** Step 2: whose login opens the guests, where the NAT goes and which pool pays for it, how many at once. */
export function TargetsStep({ draft, dispatch, credentials, firewalls, pools, rules, errors }: TargetsStepProps) {
  // A guest login is a password or a key; vCenter accounts are not for guests.
  const guestCredentials = credentials?.filter((c) => c.kind !== 'vcenter') ?? null;
  const publicPools = pools?.filter((p) => p.kind === 'public') ?? null;
  const keyProfiles = credentials?.filter((c) => c.kind === 'private-key') ?? [];
  // The wizard's reducer holds the draft (the steps share it); a field binds to it like useFormDraft's field().
  const field = (name: 'credential' | 'firewall' | 'pool' | 'concurrency' | 'serviceAccount' | 'serviceCredential'): FieldBinding<string> => ({
    value: draft[name],
    onChange: (value) => dispatch({ type: 'field', field: name, value }),
    error: errors[name],
  });
  return (
    <div className="enroll-targets">
      <div className="panel enroll-targets-form">
        <Choice
          id="enroll-credential"
          label="Credential profile"
          {...field('credential')}
          options={guestCredentials?.map((c) => ({ value: c.name, label: `${c.name} (${c.kind}${c.username ? `, ${c.username}` : ''})` })) ?? null}
          empty="No guest credentials saved"
          hint="The guest login for the check and the OS actions. Checked through VMware Tools first, SSH or WinRM where the guest API is missing."
        />
        <Choice
          id="enroll-firewall"
          label="Firewall"
          {...field('firewall')}
          options={firewalls?.map((f) => ({ value: f.name, label: `${f.name} (${f.driver})` })) ?? null}
          empty="No firewalls yet"
          hint="Gets one 1:1 NAT per VM."
        />
        <Choice
          id="enroll-pool"
          label="Public pool"
          {...field('pool')}
          options={publicPools?.map((p) => ({ value: p.name, label: `${p.name} (${p.cidr}, ${p.allocated} of ${p.size} allocated)` })) ?? null}
          empty="No public pools yet"
          hint="One address per VM, released again on rollback or offboarding."
        />
        <TextField
          id="enroll-concurrency"
          label="Concurrency"
          {...field('concurrency')}
          hint="How many VMs enroll at the same time (1–32); the rest wait their turn."
          mono
        />
        <TextField
          id="enroll-service-account"
          label="Service account"
          {...field('serviceAccount')}
          hint="Created in each guest with Outpost's key; the account offboarding removes."
          mono
        />
        <div className="field">
          <label htmlFor="enroll-service-key">Service account key</label>
          <select id="enroll-service-key" value={draft.serviceCredential} onChange={(e) => field('serviceCredential').onChange(e.target.value)} aria-invalid={errors.serviceCredential ? true : undefined} aria-describedby="enroll-service-key-hint enroll-service-key-error">
            <option value="">Outpost's own key (outpost-enrollment)</option>
            {keyProfiles.map((c) => (
              <option key={c.id} value={c.name}>
                {c.name}
              </option>
            ))}
          </select>
          <p id="enroll-service-key-hint" className="field-hint">
            Its public key is installed for the service account, and access through the public IP is verified with it. Outpost's own key is generated once and sealed in the vault.
          </p>
          <FieldError id="enroll-service-key-error" message={errors.serviceCredential} />
        </div>
        <div className="field">
          <label htmlFor="enroll-os-actions">OS actions</label>
          <select id="enroll-os-actions" value={draft.osActions} onChange={(e) => dispatch({ type: 'osActions', value: e.target.value as OsActions })} aria-describedby="enroll-os-actions-hint">
            <option value="auto">Automatic</option>
            <option value="builtin">Built-in steps</option>
            <option value="ansible">Ansible playbook</option>
          </select>
          <p id="enroll-os-actions-hint" className="field-hint">
            {rules === null
              ? 'Automatic runs the Ansible playbook when ansible-playbook is installed, else the built-in steps.'
              : rules.ansibleAvailable
                ? 'ansible-playbook is installed: Automatic runs the playbook, its output streamed to the procedure log.'
                : 'ansible-playbook is not installed here: Automatic runs the built-in steps (account, key, host name, services).'}
          </p>
        </div>
        <label className="checkbox-field">
          <input type="checkbox" checked={draft.setHostname} onChange={(e) => dispatch({ type: 'flag', field: 'setHostname', value: e.target.checked })} />
          <span>Set each guest's host name to its VM name</span>
        </label>
        <label className="checkbox-field">
          <input type="checkbox" checked={draft.guest} onChange={(e) => dispatch({ type: 'flag', field: 'guest', value: e.target.checked })} />
          <span>Log in to each guest during the check: credentials, OS version, disk, services (slower)</span>
        </label>
        {(guestCredentials?.length === 0 || firewalls?.length === 0 || publicPools?.length === 0) && (
          <p className="notice">
            {guestCredentials?.length === 0 && <>Save a guest credential profile first in <a href={hashForView('settings')}>Settings</a> (or <code>outpost credential add</code>). </>}
            {(firewalls?.length === 0 || publicPools?.length === 0) && (
              <>
                Add a public pool and a firewall in <a href={hashForView('nat-ipam')}>NAT &amp; IPAM</a>.
              </>
            )}
          </p>
        )}
      </div>
      <RulesPanel rules={rules} />
    </div>
  );
}

/** The OS rules the check applies (read from the file the operator edits). */
function RulesPanel({ rules }: { rules: EnrollmentRules | null }) {
  return (
    <aside className="panel enroll-rules" aria-labelledby="enroll-rules-heading">
      <h2 id="enroll-rules-heading">OS requirements</h2>
      {rules === null ? (
        <p className="muted small">The rules could not be read yet; the check step applies them anyway.</p>
      ) : (
        <>
          <p className="muted small">
            From <span className="mono">{rules.source}</span>
          </p>
          <ul className="enroll-rule-list">
            {rules.rules.map((r) => (
              <li key={r.id}>
                <strong>{r.label}</strong> <span className="muted small">({r.access.toUpperCase()})</span>
                <div className="small muted">
                  {r.minVersion ? `version ≥ ${r.minVersion}, ` : ''}
                  {r.minFreeDiskMB} MB free{r.requiredServices.length > 0 ? `, services: ${r.requiredServices.join(', ')}` : ''}
                </div>
              </li>
            ))}
          </ul>
        </>
      )}
    </aside>
  );
}
