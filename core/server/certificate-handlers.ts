import { readCertificateFile } from '../certificates/certificate-file.js';
import { describeCertificate, orderChain } from '../certificates/certificate-info.js';
import { fetchChain } from '../certificates/chain-fetch.js';
import type { certificateCommands } from '../contract/certificate-commands.js';
import type { Handlers } from './handlers.js';

type CertificateHandlers = Pick<Handlers, keyof typeof certificateCommands>;

export function certificateHandlers(): CertificateHandlers {
  return {
    'certificates.inspect': ({ contentBase64, passphrase }) => {
      const read = readCertificateFile(Buffer.from(contentBase64, 'base64'), passphrase);
      return { format: read.format, privateKeysIgnored: read.privateKeysIgnored, certificates: orderChain(read.certificates).map((c) => describeCertificate(c)) };
    },
    'certificates.fetch': async ({ host, port, timeoutMs }) => {
      const chain = await fetchChain(host, port, timeoutMs);
      return { certificates: chain.certificates.map((c) => describeCertificate(c)), authorized: chain.authorized, authorizationError: chain.authorizationError };
    },
  };
}
