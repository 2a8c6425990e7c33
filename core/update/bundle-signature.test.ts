import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OutpostError } from '../contract/errors.js';
import { tempDir } from '../../test/temp-dir.js';
import { keyIdOf, signBundle, verifyBundle } from './bundle-signature.js';

// The signature check alone, on a small stand-in file (the real bundles are built and
// verified end to end in offline-bundle.test.ts).
describe('bundle signatures (ed25519 over a manifest naming the SHA-256)', () => {
  let dir: ReturnType<typeof tempDir>;
  let bundle: string;
  const release = generateKeyPairSync('ed25519');
  const other = generateKeyPairSync('ed25519');

  beforeEach(async () => {
    dir = tempDir('outpost-sig-');
    bundle = join(dir.path, 'outpost-0.2.0-linux-x64.tar.gz');
    writeFileSync(bundle, Buffer.alloc(200_000, 7));
    writeFileSync(`${bundle}.sig`, await signBundle(bundle, release.privateKey, '0.2.0'));
  });
  afterEach(() => dir.remove());

  const refusal = async (p: Promise<unknown>): Promise<OutpostError> => {
    const err = await p.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(OutpostError);
    return err as OutpostError;
  };

  it('verifies a bundle signed by the pinned key and returns its manifest', async () => {
    const m = await verifyBundle(bundle, release.publicKey);
    expect(m).toMatchObject({ version: '0.2.0', platform: 'linux-x64', size: 200_000, keyId: keyIdOf(release.publicKey) });
  });

  it('refuses one changed byte in the bundle (checksum-mismatch)', async () => {
    const bytes = readFileSync(bundle);
    bytes[100_000] = 8;
    writeFileSync(bundle, bytes);
    const err = await refusal(verifyBundle(bundle, release.publicKey));
    expect(err.code).toBe('BUNDLE_UNVERIFIED');
    expect(err.details).toMatchObject({ reason: 'checksum-mismatch' });
    expect(err.message).toMatch(/damaged or altered/);
  });

  it('refuses a bundle signed by another key, naming both key ids', async () => {
    writeFileSync(`${bundle}.sig`, await signBundle(bundle, other.privateKey, '0.2.0'));
    const err = await refusal(verifyBundle(bundle, release.publicKey));
    expect(err.details).toMatchObject({ reason: 'unknown-key', keyId: keyIdOf(other.publicKey), trusted: keyIdOf(release.publicKey) });
  });

  it('refuses another key that claims the pinned key id (signature-invalid)', async () => {
    const forged = JSON.parse(await signBundle(bundle, other.privateKey, '0.2.0')) as Record<string, string>;
    forged.keyId = keyIdOf(release.publicKey);
    writeFileSync(`${bundle}.sig`, JSON.stringify(forged));
    expect((await refusal(verifyBundle(bundle, release.publicKey))).details).toMatchObject({ reason: 'signature-invalid' });
  });

  it('refuses an edited manifest (a version bumped by hand)', async () => {
    const sig = JSON.parse(readFileSync(`${bundle}.sig`, 'utf8')) as Record<string, string>;
    sig.manifest = sig.manifest!.replace('"0.2.0"', '"9.9.9"');
    writeFileSync(`${bundle}.sig`, JSON.stringify(sig));
    expect((await refusal(verifyBundle(bundle, release.publicKey))).details).toMatchObject({ reason: 'signature-invalid' });
  });

  it('refuses a bundle without its signature file, saying what to carry', async () => {
    const err = await refusal(verifyBundle(bundle, release.publicKey, join(dir.path, 'missing.sig')));
    expect(err.details).toMatchObject({ reason: 'signature-missing' });
    expect(err.message).toMatch(/carry the \.sig/);
  });
});
