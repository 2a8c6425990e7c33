import { readCertificateFile } from '../../certificates/certificate-file.js';
import { describeCertificate, orderChain } from '../../certificates/certificate-info.js';
import { fetchChain } from '../../certificates/chain-fetch.js';
import type { certificateCommands } from '../../contract/certificates.js';
import { normalizeFingerprint } from '../../trust/fingerprint.js';
import type { Handlers } from './index.js';
import type { Services } from '../services.js';

type CertificateHandlers = Pick<Handlers, keyof typeof certificateCommands>;

export function certificateHandlers(s: Services): CertificateHandlers {
  return {
    'certificates.inspect': ({ contentBase64, passphrase }) => {
      const read = readCertificateFile(Buffer.from(contentBase64, 'base64'), passphrase);
      return { format: read.format, privateKeysIgnored: read.privateKeysIgnored, certificates: orderChain(read.certificates).map((c) => describeCertificate(c)) };
    },
    'certificates.fetch': async ({ host, port, timeoutMs }) => {
      const chain = await fetchChain(host, port, timeoutMs);
      return { certificates: chain.certificates.map((c) => describeCertificate(c)), authorized: chain.authorized, authorizationError: chain.authorizationError };
    },
    'certificates.trust': async ({ pem }, caller) => {
      const certs = readCertificateFile(Buffer.from(pem)).certificates;
      const result = await s.trustStore.import(certs.slice(0, 1), caller.actor);
      const info = result.added[0] ?? result.alreadyTrusted[0]!;
      return { fingerprint256: info.fingerprint256, added: result.added.length > 0 };
    },
    'certificates.trusted': async () => (await s.trustStore.list()).map(({ pem: _pem, ...rest }) => rest),
    'certificates.untrust': async ({ fingerprint256 }, caller) => ({ removed: await s.trustStore.remove(normalizeFingerprint(fingerprint256), caller.actor) }),
  };
}
