import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { z } from 'zod';
import { OutpostError } from '../contract/errors.js';

/**
 * Offline bundles are signed by `scripts/bundle.mjs`: `<bundle>.sig` holds a small manifest
 * (version, platform, the tarball's SHA-256 and size) and an ed25519 signature over exactly the
 * manifest's bytes. Verification needs the release public key pinned in the installed copy and
 * nothing else: no network, no certificate chain, no clock.
 */
export const bundleManifestSchema = z.object({
  format: z.literal('outpost-bundle/1'),
  bundle: z.string().min(1),
  version: z.string().regex(/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/),
  platform: z.literal('linux-x64'),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  size: z.number().int().nonnegative(),
  keyId: z.string().regex(/^[0-9a-f]{16}$/),
  builtAt: z.string(),
});
export type BundleManifest = z.infer<typeof bundleManifestSchema>;

const signatureFileSchema = z.object({
  format: z.literal('outpost-bundle-signature/1'),
  keyId: z.string(),
  manifest: z.string(),
  signature: z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/),
});

const refuse = (reason: string, message: string, details: Record<string, unknown> = {}): OutpostError =>
  new OutpostError('BUNDLE_UNVERIFIED', message, { reason, ...details });

/** Short, stable name of a public key: the first 16 hex digits of the SHA-256 of its SPKI form. */
export function keyIdOf(key: KeyObject): string {
  return createHash('sha256').update(key.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
}

export function readPublicKey(path: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(readFileSync(path));
  } catch (err) {
    throw new OutpostError('NOT_FOUND', `Cannot read the release public key ${path}: ${(err as Error).message}.`, { path });
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new OutpostError('VALIDATION', `${path} is a ${key.asymmetricKeyType ?? 'unknown'} key; release keys are ed25519.`, { path });
  }
  return key;
}

export async function sha256File(path: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path)) {
    const buf = chunk as Buffer;
    size += buf.length;
    hash.update(buf);
  }
  return { sha256: hash.digest('hex'), size };
}

/**
 * The text of `<bundle>.sig` for a bundle (scripts/bundle.mjs calls this; tests sign with their
 * own keys). The signed bytes are exactly `manifest`: the verifier parses it only after checking them.
 */
export async function signBundle(bundlePath: string, privateKey: KeyObject, version: string): Promise<string> {
  const publicKey = createPublicKey(privateKey);
  const { sha256, size } = await sha256File(bundlePath);
  const fields: BundleManifest = {
    format: 'outpost-bundle/1',
    bundle: basename(bundlePath),
    version,
    platform: 'linux-x64',
    sha256,
    size,
    keyId: keyIdOf(publicKey),
    builtAt: new Date().toISOString(),
  };
  const manifest = JSON.stringify(bundleManifestSchema.parse(fields));
  const signature = sign(null, Buffer.from(manifest, 'utf8'), privateKey).toString('base64');
  return `${JSON.stringify({ format: 'outpost-bundle-signature/1', keyId: fields.keyId, manifest, signature }, null, 2)}
`;
}

/**
 * Checks `bundlePath` against its signature file with `publicKey`; returns the signed manifest.
 * Each refusal is a BUNDLE_UNVERIFIED error whose one-line message says what is wrong and
 * `details.reason` says which check failed (signature-missing, signature-unreadable,
 * unknown-key, signature-invalid, checksum-mismatch).
 */
export async function verifyBundle(bundlePath: string, publicKey: KeyObject, signaturePath = `${bundlePath}.sig`): Promise<BundleManifest> {
  if (!existsSync(bundlePath)) throw new OutpostError('NOT_FOUND', `No bundle at ${bundlePath}.`, { path: bundlePath });
  if (!existsSync(signaturePath)) {
    throw refuse('signature-missing', `Refused ${bundlePath}: no signature file ${signaturePath}; carry the .sig that was published with the bundle.`);
  }
  let sigFile: z.infer<typeof signatureFileSchema>;
  try {
    sigFile = signatureFileSchema.parse(JSON.parse(readFileSync(signaturePath, 'utf8')));
  } catch {
    throw refuse('signature-unreadable', `Refused ${bundlePath}: ${signaturePath} is not an Outpost bundle signature.`);
  }
  const trusted = keyIdOf(publicKey);
  if (sigFile.keyId !== trusted) {
    throw refuse('unknown-key', `Refused ${bundlePath}: signed by another key (${sigFile.keyId}); this installation trusts release key ${trusted} only.`, {
      keyId: sigFile.keyId,
      trusted,
    });
  }
  if (!verify(null, Buffer.from(sigFile.manifest, 'utf8'), publicKey, Buffer.from(sigFile.signature, 'base64'))) {
    throw refuse('signature-invalid', `Refused ${bundlePath}: its signature does not verify with release key ${trusted}; the signature file was altered or belongs to another key.`);
  }
  let manifest: BundleManifest;
  try {
    manifest = bundleManifestSchema.parse(JSON.parse(sigFile.manifest));
  } catch {
    throw refuse('signature-unreadable', `Refused ${bundlePath}: its signed manifest is not one this Outpost understands.`);
  }
  const actual = await sha256File(bundlePath);
  if (actual.sha256 !== manifest.sha256 || actual.size !== manifest.size) {
    throw refuse('checksum-mismatch', `Refused ${bundlePath}: its SHA-256 is ${actual.sha256}, the signed manifest says ${manifest.sha256}; the file is damaged or altered.`, {
      expected: manifest.sha256,
      actual: actual.sha256,
    });
  }
  return manifest;
}
