import { useRef } from 'react';
import type { CertificateSummary } from '../../../core/contract';
import { CopyButton } from '../../ui/CopyButton';
import { formatTime } from '../../ui/format-time';

/** The certificate TLS_UNTRUSTED carries, or null when the details are not that shape. */
export function certificateFromDetails(details: unknown): CertificateSummary | null {
  if (typeof details !== 'object' || details === null) return null;
  const d = details as Record<string, unknown>;
  const text = (k: string): string | null => (typeof d[k] === 'string' ? d[k] : null);
  const fingerprint = text('fingerprint');
  if (!fingerprint) return null;
  return { fingerprint, subject: text('subject') ?? '—', issuer: text('issuer') ?? '—', validFrom: text('validFrom') ?? '', validTo: text('validTo') ?? '' };
}

function validity(cert: CertificateSummary): { text: string; expired: boolean } {
  const from = Date.parse(cert.validFrom);
  const to = Date.parse(cert.validTo);
  const now = Date.now();
  const expired = Number.isFinite(to) && to < now;
  const notYet = Number.isFinite(from) && from > now;
  const span = `${cert.validFrom ? formatTime(cert.validFrom) : '?'} to ${cert.validTo ? formatTime(cert.validTo) : '?'}`;
  return { text: expired ? `${span} (expired)` : notYet ? `${span} (not valid yet)` : span, expired: expired || notYet };
}

/**
 * Shown when a vCenter's certificate chains to nothing Outpost trusts. The operator compares the
 * fingerprint with the one vCenter shows (or `openssl x509 -noout -fingerprint -sha256`); trusting
 * pins exactly this certificate for the site.
 */
export function TrustPrompt({ url, cert, busy, onTrust, onCancel }: { url: string; cert: CertificateSummary; busy: boolean; onTrust(): void; onCancel(): void }) {
  const fingerprintRef = useRef<HTMLElement>(null);
  const valid = validity(cert);
  return (
    <section className="panel trust-prompt" role="region" aria-labelledby="trust-prompt-heading" data-testid="trust-prompt">
      <h2 id="trust-prompt-heading">Trust this certificate?</h2>
      <p className="small">
        <span className="mono">{url}</span> presented a certificate that no trusted CA vouches for. Compare its SHA-256 fingerprint with the one on the vCenter
        (its console, or <span className="mono">openssl x509 -noout -fingerprint -sha256</span>) before you trust it.
      </p>
      <dl className="facts trust-facts">
        <dt>SHA-256</dt>
        <dd>
          <code ref={fingerprintRef} className="mono fingerprint" data-testid="trust-fingerprint">
            {cert.fingerprint}
          </code>{' '}
          <CopyButton text={cert.fingerprint} label="Copy the fingerprint" selectIn={fingerprintRef} />
        </dd>
        <dt>Subject</dt>
        <dd className="mono" data-testid="trust-subject">
          {cert.subject}
        </dd>
        <dt>Issuer</dt>
        <dd className="mono" data-testid="trust-issuer">
          {cert.issuer}
        </dd>
        <dt>Valid</dt>
        <dd data-testid="trust-validity" className={valid.expired ? 'trust-invalid' : undefined}>
          {valid.text}
        </dd>
      </dl>
      <div className="form-actions">
        <button type="button" className="button button-primary" onClick={onTrust} disabled={busy}>
          {busy ? 'Adding…' : 'Trust and add'}
        </button>
        <button type="button" className="button" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
      </div>
    </section>
  );
}
