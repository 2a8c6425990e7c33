import { useState } from 'react';
import { EmptyState } from '../../ui/EmptyState';
import { ViewHeader } from '../../ui/ViewHeader';
import { CertificateCard } from './CertificateCard';
import { FetchServerForm, InspectFileForm, type InspectedChain } from './CertificateSources';

const formatNames: Record<Extract<InspectedChain, { source: 'file' }>['format'], string> = {
  pem: 'PEM',
  der: 'DER',
  pkcs7: 'PKCS#7',
  pkcs12: 'PKCS#12',
};

function ChainSummary({ chain }: { chain: InspectedChain }) {
  const n = chain.certificates.length;
  const count = `${n} certificate${n === 1 ? '' : 's'}, leaf first`;
  if (chain.source === 'file') {
    return (
      <p className="muted small" role="status" data-testid="chain-summary">
        <span className="mono">{chain.fileName}</span>: {formatNames[chain.format]}, {count}
        {chain.privateKeysIgnored > 0 ? `; ${chain.privateKeysIgnored} private key${chain.privateKeysIgnored === 1 ? '' : 's'} ignored (never read or kept)` : ''}.
      </p>
    );
  }
  return (
    <p className="muted small" role="status" data-testid="chain-summary">
      <span className="mono">{chain.server}</span> presented {count}.{' '}
      {chain.authorized ? 'This workstation’s default trust accepts it.' : `Not trusted by this workstation’s defaults${chain.authorizationError ? ` (${chain.authorizationError})` : ''}.`} Fetching trusts nothing.
    </p>
  );
}

/** Read certificate files and servers' chains: what they hold, their warnings, fingerprints to compare. */
export function CertificatesView() {
  const [chain, setChain] = useState<InspectedChain | null>(null);
  return (
    <>
      <ViewHeader
        title="Certificates"
        description="Read a certificate file or a server’s chain: subject, issuer, validity, names, key usage and the SHA-256 fingerprint to compare with what you were given."
      />
      <div className="split-layout">
        <div className="split-main">
          {chain ? (
            <section aria-labelledby="chain-heading">
              <h2 id="chain-heading" className="section-heading">
                Chain
              </h2>
              <ChainSummary chain={chain} />
              <div className="cert-chain">
                {chain.certificates.map((cert, i) => (
                  <CertificateCard key={`${i}-${cert.fingerprint256}`} cert={cert} index={i} total={chain.certificates.length} />
                ))}
              </div>
            </section>
          ) : (
            <EmptyState
              title="No certificate read yet"
              purpose="Check a CA or server certificate before anyone trusts it: who issued it, for which names, until when, and its fingerprint."
              firstStep={<p>Pick a file (PEM, DER, PKCS#7 or PKCS#12) with the form, or fetch the chain a server presents, e.g. your vCenter on port 443.</p>}
            />
          )}
        </div>
        <div className="side-column">
          <InspectFileForm onInspected={setChain} />
          <FetchServerForm onFetched={setChain} />
        </div>
      </div>
    </>
  );
}
