import type { VaultState } from '../contract/commands.js';
import { OutpostError } from '../contract/errors.js';
import type { Sql } from '../db/sql.js';
import type { SecretCipher } from './cipher.js';
import { PassphraseCipher, type KdfParams, type PassphraseSetup } from './passphrase-cipher.js';
import { VaultMetaStore } from './vault-store.js';

/**
 * Secrets at rest. With an OS cipher (Electron safeStorage) it is always open; otherwise the
 * operator's passphrase derives the key, and the vault stays locked until it is given.
 */
export class Vault {
  private cipher: SecretCipher | null;
  private readonly meta: VaultMetaStore;

  constructor(
    db: Sql,
    osCipher: SecretCipher | null = null,
    private readonly kdf?: KdfParams,
  ) {
    this.cipher = osCipher;
    this.meta = new VaultMetaStore(db);
  }

  get kind(): 'os' | 'passphrase' {
    return this.cipher?.kind === 'os' ? 'os' : 'passphrase';
  }

  state(): VaultState {
    if (this.kind === 'os') return { kind: 'os', initialised: true, unlocked: true };
    return { kind: 'passphrase', initialised: this.readSetup() !== null, unlocked: this.cipher?.isUnlocked() ?? false };
  }

  /** Unlocks with the passphrase; on a new data directory this sets the passphrase. */
  unlock(passphrase: string): VaultState {
    if (this.kind === 'os') return this.state();
    const setup = this.readSetup();
    if (setup) {
      this.cipher = PassphraseCipher.unlock(passphrase, setup);
    } else {
      const created = PassphraseCipher.create(passphrase, this.kdf);
      const inserted = this.meta.insertOnce(
        { kdf: JSON.stringify(created.setup.kdf), salt: created.setup.salt, verifier: created.setup.verifier },
        new Date().toISOString(),
      );
      // Another process set the passphrase first: this one must match it, not replace it.
      if (!inserted) return this.unlock(passphrase);
      this.cipher = created.cipher;
    }
    return this.state();
  }

  lock(): void {
    if (this.cipher instanceof PassphraseCipher) this.cipher.lock();
  }

  seal(plain: string): { cipher: 'os' | 'passphrase'; sealed: Buffer } {
    const cipher = this.requireCipher();
    return { cipher: cipher.kind, sealed: cipher.seal(Buffer.from(plain, 'utf8')) };
  }

  open(cipherKind: 'os' | 'passphrase', sealed: Buffer): string {
    const cipher = this.requireCipher();
    if (cipher.kind !== cipherKind) {
      throw new OutpostError(
        'VAULT_LOCKED',
        cipherKind === 'os'
          ? 'This secret was saved by the desktop app with the OS keychain; open it from the desktop app.'
          : 'This secret was saved with the vault passphrase; unlock the passphrase vault to use it.',
      );
    }
    return cipher.open(sealed).toString('utf8');
  }

  private requireCipher(): SecretCipher {
    if (!this.cipher || !this.cipher.isUnlocked()) {
      throw new OutpostError(
        'VAULT_LOCKED',
        this.readSetup()
          ? 'The vault is locked: unlock it with the passphrase first.'
          : 'The vault has no passphrase yet: set one (at least 12 characters) to store secrets.',
      );
    }
    return this.cipher;
  }

  private readSetup(): PassphraseSetup | null {
    const row = this.meta.read();
    if (!row) return null;
    return { kdf: JSON.parse(row.kdf) as KdfParams, salt: row.salt, verifier: row.verifier };
  }
}
