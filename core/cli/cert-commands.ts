import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { OutpostError } from '../contract/errors.js';
import { readCertificateFile } from '../certificates/certificate-file.js';
import { describeCertificate, orderChain, type CertificateInfo } from '../certificates/certificate-info.js';
import { fetchChain } from '../certificates/chain-fetch.js';
import { parseTarget } from '../helpers/port-preflight.js';
import type { CliContext } from './cli-context.js';

function printInfo(context: CliContext, infos: CertificateInfo[], extra: Record<string, unknown> = {}): void {
  const out = context.out;
  if (out.json) {
    out.write(JSON.stringify({ ...extra, certificates: infos.map(({ pem: _pem, ...rest }) => rest) }));
    return;
  }
  infos.forEach((c, i) => {
    out.write(
      [
        `[${i + 1}] ${c.subject}`,
        `    issuer       ${c.issuer}${c.selfSigned ? ' (self-signed)' : ''}`,
        `    valid        ${c.validFrom} .. ${c.validTo}`,
        `    SHA-256      ${c.fingerprint256}`,
        `    CA           ${c.isCA ? 'yes' : 'no'}`,
        ...(c.subjectAltNames.length ? [`    names        ${c.subjectAltNames.join(', ')}`] : []),
        ...(c.keyUsage.length ? [`    key usage    ${c.keyUsage.join(', ')}`] : []),
        ...(c.warnings.length ? [`    WARNING      ${c.warnings.join(', ')}`] : []),
      ].join('\n'),
    );
  });
}

export function registerCertCommands(program: Command, context: CliContext): void {
  const cert = program.command('cert').description('Certificates: inspect files and servers');
  cert
    .command('inspect')
    .description('Show what a PEM, DER, PKCS#7 or PKCS#12 file holds (chain order, fingerprints, warnings)')
    .argument('<file>', 'certificate file')
    .option('--passphrase-stdin', 'read the PKCS#12 passphrase from standard input')
    .action((file: string, o: { passphraseStdin?: boolean }) => {
      let bytes: Buffer;
      try {
        bytes = readFileSync(file);
      } catch (err) {
        throw new OutpostError('VALIDATION', `Cannot read ${file}: ${(err as Error).message}`);
      }
      const passphrase = o.passphraseStdin ? readFileSync(0, 'utf8').replace(/\r?\n$/, '') : undefined;
      const read = readCertificateFile(bytes, passphrase);
      printInfo(context, orderChain(read.certificates).map((c) => describeCertificate(c)), { format: read.format, privateKeysIgnored: read.privateKeysIgnored });
    });
  cert
    .command('fetch')
    .description("Read a server's certificate chain by TLS handshake (nothing is trusted by this)")
    .argument('<target>', 'HOST:PORT')
    .option('--timeout <ms>', 'handshake timeout', '5000')
    .action(async (target: string, o: { timeout: string }) => {
      const { host, port } = parseTarget(target);
      const chain = await fetchChain(host, port, Number(o.timeout) || 5000);
      printInfo(context, chain.certificates.map((c) => describeCertificate(c)), { host, port, verifiedByThisMachine: chain.authorized, verifyError: chain.authorizationError });
      if (!context.out.json) context.out.write(chain.authorized ? 'This machine already trusts this chain.' : `Not trusted by this machine (${chain.authorizationError ?? 'unknown issuer'}).`);
    });
}
