import { X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { OutpostError } from '../contract/errors.js';

export type CertificateFormat = 'pem' | 'der' | 'pkcs7' | 'pkcs12';

export interface CertificateFile {
  format: CertificateFormat;
  certificates: X509Certificate[];
  /** PKCS#12 files may carry private keys: Outpost never keeps them; this says how many were skipped. */
  privateKeysIgnored: number;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

function x509(der: Buffer, where: string): X509Certificate {
  try {
    return new X509Certificate(der);
  } catch (err) {
    throw new OutpostError('CERT_INVALID', `${where} is not a readable X.509 certificate: ${(err as Error).message}`);
  }
}

/**
 * The certificates of a PKCS#7 (SignedData) bundle, taken straight from its ASN.1 so that every
 * key type works (node-forge's own parser reads only RSA keys; Node's X509Certificate reads all).
 */
function pkcs7Certificates(der: Buffer): X509Certificate[] {
  let root: forge.asn1.Asn1;
  try {
    root = forge.asn1.fromDer(forge.util.createBuffer(der.toString('binary')));
  } catch (err) {
    throw new OutpostError('CERT_INVALID', `Not a PKCS#7 bundle: ${(err as Error).message}`);
  }
  const content = Array.isArray(root.value) ? root.value : [];
  const oid = content[0] && typeof content[0].value === 'string' ? forge.asn1.derToOid(content[0].value) : '';
  if (oid !== forge.pki.oids.signedData) throw new OutpostError('CERT_INVALID', 'The PKCS#7 file is not SignedData (a certificate bundle).');
  const wrapper = content[1];
  const signedData = wrapper && Array.isArray(wrapper.value) ? wrapper.value[0] : undefined;
  const fields = signedData && Array.isArray(signedData.value) ? signedData.value : [];
  const certSet = fields.find((f) => f.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && f.type === 0);
  const certs = certSet && Array.isArray(certSet.value) ? certSet.value : [];
  return certs.map((c, i) => x509(Buffer.from(forge.asn1.toDer(c).getBytes(), 'binary'), `Certificate ${i + 1} of the PKCS#7 bundle`));
}

function pkcs12Certificates(der: Buffer, passphrase: string | undefined): { certificates: X509Certificate[]; keys: number } {
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    const asn1 = forge.asn1.fromDer(forge.util.createBuffer(der.toString('binary')));
    p12 = forge.pkcs12.pkcs12FromAsn1(asn1, false, passphrase ?? '');
  } catch (err) {
    const message = (err as Error).message;
    if (/mac|password|decrypt/i.test(message)) {
      throw new OutpostError('CERT_PASSPHRASE', passphrase ? 'The PKCS#12 passphrase is wrong.' : 'This PKCS#12 file needs its passphrase.');
    }
    throw new OutpostError('CERT_INVALID', `Not a readable PKCS#12 file: ${message}`);
  }
  const bags = (oid: string | undefined): forge.pkcs12.Bag[] => (oid ? (p12.getBags({ bagType: oid })[oid] ?? []) : []);
  const certBags = bags(forge.pki.oids.certBag);
  const keys = bags(forge.pki.oids.pkcs8ShroudedKeyBag).length + bags(forge.pki.oids.keyBag).length;
  const certificates = certBags.map((bag: forge.pkcs12.Bag, i: number) => {
    // forge keeps the raw ASN.1 when it cannot read the key type itself (EC keys).
    const asn1 = bag.cert ? forge.pki.certificateToAsn1(bag.cert) : (bag as { asn1?: forge.asn1.Asn1 }).asn1;
    if (!asn1) throw new OutpostError('CERT_INVALID', `Certificate ${i + 1} of the PKCS#12 file is empty.`);
    return x509(Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary'), `Certificate ${i + 1} of the PKCS#12 file`);
  });
  return { certificates, keys };
}

/** Reads PEM (any number of certificates and PKCS#7 blocks), DER, PKCS#7 or PKCS#12 (with passphrase). */
export function readCertificateFile(bytes: Buffer, passphrase?: string): CertificateFile {
  const text = bytes.toString('latin1');
  if (text.includes('-----BEGIN ')) {
    const certificates: X509Certificate[] = [];
    let sawPkcs7 = false;
    for (const m of text.matchAll(PEM_BLOCK)) {
      const der = Buffer.from(m[2]!.replace(/\s+/g, ''), 'base64');
      if (m[1] === 'CERTIFICATE' || m[1] === 'TRUSTED CERTIFICATE' || m[1] === 'X509 CERTIFICATE') certificates.push(x509(der, `PEM block ${certificates.length + 1}`));
      else if (m[1] === 'PKCS7') {
        sawPkcs7 = true;
        certificates.push(...pkcs7Certificates(der));
      }
    }
    if (certificates.length === 0) throw new OutpostError('CERT_INVALID', 'The PEM file has no CERTIFICATE or PKCS7 block (a key alone is not a certificate).');
    return { format: sawPkcs7 ? 'pkcs7' : 'pem', certificates, privateKeysIgnored: 0 };
  }
  try {
    return { format: 'der', certificates: [new X509Certificate(bytes)], privateKeysIgnored: 0 };
  } catch {
    // not a single DER certificate: try the containers
  }
  try {
    return { format: 'pkcs7', certificates: pkcs7Certificates(bytes), privateKeysIgnored: 0 };
  } catch (err) {
    if (!(err instanceof OutpostError) || !/not SignedData|Not a PKCS#7/.test(err.message)) throw err;
  }
  const p12 = pkcs12Certificates(bytes, passphrase);
  return { format: 'pkcs12', certificates: p12.certificates, privateKeysIgnored: p12.keys };
}
