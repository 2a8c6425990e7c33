import { useState } from 'react';
import type { CertificateInfoView } from '../../../core/contract';
import { errorToast } from '../../app/error-toast';
import { useClient, useShellStore } from '../../app/shell-context';

/**
 * Adds a CA to Outpost's own trust store (honoured for vCenter and WinRM TLS next to the system's
 * CAs). The operator compares the fingerprint before pressing it; the action is audited.
 */
export function TrustCaButton({ cert }: { cert: CertificateInfoView }) {
  const client = useClient();
  const store = useShellStore();
  const [state, setState] = useState<'idle' | 'busy' | 'trusted'>('idle');
  const trust = (): void => {
    setState('busy');
    client.invoke('certificates.trust', { pem: cert.pem }).then(
      (r) => {
        setState('trusted');
        store.getState().pushToast({ tone: 'info', title: r.added ? 'CA trusted' : 'Already trusted', message: `${cert.subject} — ${r.fingerprint256}` });
      },
      (err: unknown) => {
        setState('idle');
        store.getState().pushToast(errorToast('The CA was not trusted', err));
      },
    );
  };
  return (
    <div className="trust-note">
      <h4>Trust this CA</h4>
      <p className="small">
        Outpost will accept servers whose certificates this CA issued (vCenter, WinRM), next to the system&apos;s CAs. Compare the SHA-256 fingerprint above with
        one you got another way first.
      </p>
      <button type="button" className="button" onClick={trust} disabled={state !== 'idle'} data-testid="trust-ca">
        {state === 'trusted' ? 'Trusted' : state === 'busy' ? 'Trusting…' : 'Trust this CA'}
      </button>
    </div>
  );
}
