import type { CertificateInfoView } from '../../../core/contract';
import { CopyableBlock } from '../client-helpers/CopyableBlock';
import { CopyButton } from '../../ui/CopyButton';
import { formatTime } from '../../ui/format-time';
import { TrustCaButton } from './TrustCaButton';

type Warning = CertificateInfoView['warnings'][number];

export const warningWords: Record<Warning, { text: string; tone: 'bad' | 'warn' | 'info'; help: string }> = {
  expired: { text: 'expired', tone: 'bad', help: 'Past its end date: TLS clients refuse it.' },
  'not-yet-valid': { text: 'not yet valid', tone: 'bad', help: 'Its start date is in the future (or this clock is wrong).' },
  'expires-soon': { text: 'expires within 30 days', tone: 'warn', help: 'Renew it soon.' },
  'not-a-ca': { text: 'not a CA', tone: 'info', help: 'Fine for a server certificate; it cannot vouch for others, so trusting it as a CA does nothing.' },
};

/** "Leaf" for the first of a chain, then what each certificate is. */
export function certificateRole(cert: CertificateInfoView, index: number, total: number): string {
  if (index === 0 && total > 1 && !cert.isCA) return 'Leaf';
  if (cert.selfSigned) return cert.isCA ? 'Root CA' : 'Self-signed';
  if (cert.isCA) return 'Intermediate CA';
  return index === 0 ? 'Leaf' : 'Certificate';
}

export const commonName = (dn: string): string => /(?:^|, )CN=([^,]+)/.exec(dn)?.[1] ?? (dn || '(no subject)');

/** One certificate of a chain: who, by whom, when, for what, and its fingerprint and PEM to copy. */
export function CertificateCard({ cert, index, total }: { cert: CertificateInfoView; index: number; total: number }) {
  const headingId = `cert-${index}-heading`;
  const role = certificateRole(cert, index, total);
  const validityWarnings = cert.warnings.filter((w) => w !== 'not-a-ca');
  return (
    <article className="panel cert-card" aria-labelledby={headingId} data-testid={`certificate-${index}`}>
      <header className="cert-card-head">
        <span className="badge cert-role">{role}</span>
        <h3 id={headingId}>{commonName(cert.subject)}</h3>
        <span className="cert-warnings" aria-label="Warnings">
          {cert.warnings.map((w) => (
            <span key={w} className={`badge badge-cert-${warningWords[w].tone}`} title={warningWords[w].help} data-testid="certificate-warning">
              {warningWords[w].text}
            </span>
          ))}
        </span>
      </header>
      <dl className="facts facts-compact">
        <dt>Subject</dt>
        <dd className="mono">{cert.subject || '—'}</dd>
        <dt>Issuer</dt>
        <dd className="mono">{cert.issuer || '—'}</dd>
        <dt>Valid</dt>
        <dd>
          <time dateTime={cert.validFrom}>{formatTime(cert.validFrom)}</time> to <time dateTime={cert.validTo}>{formatTime(cert.validTo)}</time>
          {validityWarnings.length === 0 && <span className="muted"> (valid now)</span>}
        </dd>
        <dt>Names (SAN)</dt>
        <dd className="mono">{cert.subjectAltNames.length > 0 ? cert.subjectAltNames.join(', ') : <span className="muted">none</span>}</dd>
        <dt>Key usage</dt>
        <dd>{cert.keyUsage.length > 0 ? cert.keyUsage.join(', ') : <span className="muted">not restricted</span>}</dd>
        <dt>CA</dt>
        <dd>{cert.isCA ? 'yes (may issue certificates)' : 'no'}</dd>
        <dt>Self-signed</dt>
        <dd>{cert.selfSigned ? 'yes' : 'no'}</dd>
        <dt>Serial</dt>
        <dd className="mono">{cert.serialNumber}</dd>
        <dt>SHA-256</dt>
        <dd className="fingerprint-row">
          <span className="mono fingerprint" data-testid="certificate-fingerprint">
            {cert.fingerprint256}
          </span>
          <CopyButton text={cert.fingerprint256} label={`Copy the SHA-256 fingerprint of ${commonName(cert.subject)}`} />
        </dd>
      </dl>
      <details className="cert-pem">
        <summary>PEM</summary>
        <CopyableBlock text={cert.pem} label={`PEM of ${commonName(cert.subject)}`} copyLabel={`Copy the PEM of ${commonName(cert.subject)}`} />
      </details>
      {(cert.isCA || cert.selfSigned) && <TrustCaButton cert={cert} />}
    </article>
  );
}
