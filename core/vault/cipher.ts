/** Seals and opens secrets. Implementations: the passphrase cipher here, Electron safeStorage in electron/. */
export interface SecretCipher {
  readonly kind: 'os' | 'passphrase';
  isUnlocked(): boolean;
  seal(plain: Buffer): Buffer;
  open(sealed: Buffer): Buffer;
}
