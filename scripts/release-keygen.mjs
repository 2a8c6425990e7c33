// `npm run release:keygen -- --out DIR`: the ed25519 key pair that signs offline bundles.
// DIR/release-ed25519.key (PKCS#8 PEM, mode 0600) stays with whoever builds releases, never in
// the repository or a bundle; DIR/release-ed25519.pub is what `npm run bundle --public-key`
// pins into every installed copy (or copy it to resources/keys/release-ed25519.pub).
import { generateKeyPairSync, createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { out: { type: 'string' } }, strict: true });
if (!values.out) {
  console.error('release:keygen: give the folder for the key pair: npm run release:keygen -- --out DIR');
  process.exit(2);
}
const out = resolve(values.out);
const keyFile = join(out, 'release-ed25519.key');
const pubFile = join(out, 'release-ed25519.pub');
if (existsSync(keyFile) || existsSync(pubFile)) {
  console.error(`release:keygen: ${out} already holds a release key; refusing to overwrite it (installed copies trust the old one).`);
  process.exit(1);
}
mkdirSync(out, { recursive: true, mode: 0o700 });
const { publicKey, privateKey } = generateKeyPairSync('ed25519');
writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
writeFileSync(pubFile, publicKey.export({ type: 'spki', format: 'pem' }), { mode: 0o644, flag: 'wx' });
const keyId = createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
console.log(`release:keygen: wrote ${pubFile} (key id ${keyId}) and ${keyFile} (private: keep it off the repository and out of bundles).`);
