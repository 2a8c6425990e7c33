import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { OutpostError } from '../contract/errors.js';
import { readCertificateFile } from '../certificates/certificate-file.js';
import { describeCertificate, orderChain, type CertificateInfo } from '../certificates/certificate-info.js';
import { fetchChain } from '../certificates/chain-fetch.js';
import { appendToBundle, osTrustCommands } from '../certificates/os-trust-export.js';
import type { TrustStore } from '../certificates/trust-store.js';
import { normalizeFingerprint } from '../trust/fingerprint.js';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { privilegedLocalRunner, runChecked } from '../exec/command-runner.js';
import { formatTable } from './output.js';
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
  const cert = program.command('cert').description("Certificates: inspect files and servers; Outpost's own trust store");
  const store = async (): Promise<TrustStore> => (await context.open()).services.trustStore;
  const readFile = (file: string, passphraseStdin?: boolean) => {
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (err) {
      throw new OutpostError('VALIDATION', `Cannot read ${file}: ${(err as Error).message}`);
    }
    return readCertificateFile(bytes, passphraseStdin ? readFileSync(0, 'utf8').replace(/\r?\n$/, '') : undefined);
  };

  cert
    .command('import')
    .description("Trust the CA(s) in a file for Outpost's own TLS (vCenter, WinRM), next to the system's")
    .argument('<file>', 'PEM, DER, PKCS#7 or PKCS#12 file')
    .option('--passphrase-stdin', 'read the PKCS#12 passphrase from standard input')
    .action(async (file: string, o: { passphraseStdin?: boolean }) => {
      const read = readFile(file, o.passphraseStdin);
      const result = await (await store()).import(read.certificates, await (await context.open()).services.defaultActor());
      const out = context.out;
      if (out.json) out.write(JSON.stringify({ added: result.added.map((c) => c.fingerprint256), alreadyTrusted: result.alreadyTrusted.map((c) => c.fingerprint256) }));
      else {
        for (const c of result.added) out.write(`trusted  ${c.subject}  ${c.fingerprint256}${c.warnings.length ? `  (${c.warnings.join(', ')})` : ''}`);
        for (const c of result.alreadyTrusted) out.write(`already  ${c.subject}  ${c.fingerprint256}`);
      }
    });

  cert
    .command('list')
    .description("CAs in Outpost's trust store")
    .action(async () => {
      const rows = await context.call('certificates.trusted', {});
      const out = context.out;
      if (out.json) out.write(JSON.stringify(rows));
      else if (rows.length === 0) out.write('No imported CAs. Import one: outpost cert import FILE');
      else out.write(formatTable(['SUBJECT', 'SHA-256', 'ADDED', 'BY'], rows.map((r) => [r.subject, r.fingerprint256, r.addedAt, r.addedBy])));
    });

  cert
    .command('remove')
    .description("Stop trusting an imported CA")
    .argument('<fingerprint>', 'SHA-256 fingerprint (colon hex)')
    .action(async (fingerprint: string) => {
      const fp = normalizeFingerprint(fingerprint);
      if (!(await context.call('certificates.untrust', { fingerprint256: fp })).removed) throw new OutpostError('NOT_FOUND', `No imported CA with fingerprint ${fp}.`);
      context.out.write(context.out.json ? JSON.stringify({ removed: fp }) : `Removed ${fp}.`);
    });

  cert
    .command('export')
    .description("Give the imported CAs to other tools: append to a bundle file (seed 004), or install into this Linux system's trust store")
    .option('--bundle <file>', 'append to this PEM bundle (e.g. /etc/ssl/certs/ca-certificates.crt); each CA at most once')
    .option('--system', 'install into /usr/local/share/ca-certificates and run update-ca-certificates (root or pkexec)')
    .action(async (o: { bundle?: string; system?: boolean }) => {
      if (Boolean(o.bundle) === Boolean(o.system)) throw new OutpostError('VALIDATION', 'Give exactly one of --bundle FILE or --system.');
      const cas = (await (await store()).list()).map((r) => new X509Certificate(r.pem));
      if (cas.length === 0) throw new OutpostError('NOT_FOUND', 'No imported CAs to export.');
      const out = context.out;
      if (o.bundle) {
        const added = appendToBundle(o.bundle, cas);
        out.write(out.json ? JSON.stringify({ bundle: o.bundle, added }) : `Appended ${added} CA(s) to ${o.bundle} (${cas.length - added} already there).`);
        return;
      }
      if (process.platform !== 'linux') {
        for (const ca of cas) out.write(process.platform === 'win32' ? osTrustCommands('ca.crt', ca).windows : osTrustCommands('ca.crt', ca).macos);
        return;
      }
      const runner = privilegedLocalRunner();
      const dir = mkdtempSync(join(tmpdir(), 'outpost-ca-'));
      try {
        for (const ca of cas) {
          const file = join(dir, 'ca.crt');
          writeFileSync(file, ca.toString());
          const [install, update] = osTrustCommands(file, ca).linux;
          await runChecked(runner, install!, { timeoutMs: 30_000 });
          if (ca === cas[cas.length - 1]) await runChecked(runner, update!, { timeoutMs: 120_000 });
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      out.write(out.json ? JSON.stringify({ system: true, installed: cas.length }) : `Installed ${cas.length} CA(s) into the system trust store.`);
    });
  cert
    .command('inspect')
    .description('Show what a PEM, DER, PKCS#7 or PKCS#12 file holds (chain order, fingerprints, warnings)')
    .argument('<file>', 'certificate file')
    .option('--passphrase-stdin', 'read the PKCS#12 passphrase from standard input')
    .action((file: string, o: { passphraseStdin?: boolean }) => {
      const read = readFile(file, o.passphraseStdin);
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
