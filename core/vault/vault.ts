import { AsyncLocalStorage } from 'node:async_hooks';
import type { VaultState } from '../contract/commands.js';
import { OutpostError } from '../contract/errors.js';
import { atomically, type Sql } from '../db/sql.js';
import type { SecretCipher } from './cipher.js';
import {
  FORMAT_BOUND,
  PassphraseCipher,
  defaultKdf,
  isLegacyVerifier,
  kdfWeakerThan,
  parseKdf,
  sealedFormat,
  type KdfParams,
  type PassphraseSetup,
} from './passphrase-cipher.js';
import { SealedSecrets, type SealedRow } from './credential-store.js';
import { VaultMetaStore } from './vault-store.js';

/** The shortest passphrase a vault may be set up with, whichever way it arrives (UI, CLI, host). */
export const MIN_PASSPHRASE_LENGTH = 12;

/** Where a sealed secret is stored; it is bound to it (AES-GCM associated data). */
export interface SecretBinding {
  id: number;
  kind: string;
  name: string;
}

export function bindingData(b: SecretBinding): Buffer {
  return Buffer.from(JSON.stringify(['outpost-credential', b.id, b.kind, b.name]), 'utf8');
}

/**
 * Secrets at rest. With an OS cipher (Electron safeStorage) it is always open; otherwise the
 * operator's passphrase derives the key, and the vault stays locked until it is given.
 */
export class Vault {
  private cipher: SecretCipher | null;
  /** The salt the passphrase key was derived with: a re-key by another process makes it stale. */
  private unlockedSalt: Buffer | null = null;
  /** A passphrase given at start for an unlock deferred to the first need (see deferUnlock). */
  private pending: string | null = null;
  private settling: Promise<void> | null = null;
  /** Marks the deferred unlock's own async context: what it calls must not wait for itself. */
  private readonly settlingContext = new AsyncLocalStorage<true>();
  private pendingError: unknown = null;
  private readonly meta: VaultMetaStore;
  private readonly secrets: SealedSecrets;

  constructor(
    private readonly db: Sql,
    osCipher: SecretCipher | null = null,
    private readonly kdf: KdfParams = defaultKdf,
  ) {
    this.cipher = osCipher;
    this.meta = new VaultMetaStore(db);
    this.secrets = new SealedSecrets(db);
  }

  /** Opens the vault over the store. The OS cipher is always open: records sealed before binding are bound now, at start. */
  static async load(db: Sql, osCipher: SecretCipher | null = null, kdf: KdfParams = defaultKdf): Promise<Vault> {
    const vault = new Vault(db, osCipher, kdf);
    if (osCipher) await atomically(db, () => vault.rebindRecords('os', osCipher, osCipher), { immediate: true });
    return vault;
  }

  get kind(): 'os' | 'passphrase' {
    return this.cipher?.kind === 'os' ? 'os' : 'passphrase';
  }

  /**
   * Takes the passphrase now and derives the key when a secret or the vault's state is first
   * needed: a CLI command that touches no secret does not pay for scrypt. What can be checked
   * without scrypt is checked now (a new vault's passphrase length); a wrong passphrase is
   * reported when the vault is first used.
   */
  async deferUnlock(passphrase: string): Promise<void> {
    if (this.kind === 'os') return;
    if (!await this.hasSetup()) this.checkNewPassphrase(passphrase);
    this.pending = passphrase;
  }

  /**
   * Completes a deferred unlock once: callers arriving while it runs (the status bar and a command
   * at the same time) wait for the same unlock instead of finding the vault still locked.
   */
  private settle(): Promise<void> {
    if (this.settlingContext.getStore()) return Promise.resolve();
    if (this.pending !== null && this.settling === null) {
      const passphrase = this.pending;
      this.pending = null;
      this.settling = this.settlingContext
        .run(true, () => this.unlock(passphrase))
        .then(
          () => undefined,
          (err: unknown) => {
            this.pendingError = err;
          },
        )
        .finally(() => {
          this.settling = null;
        });
    }
    return this.settling ?? Promise.resolve();
  }

  async state(): Promise<VaultState> {
    if (this.kind === 'os') return { kind: 'os', initialised: true, unlocked: true };
    await this.settle();
    return { kind: 'passphrase', initialised: await this.hasSetup(), unlocked: this.cipher?.isUnlocked() ?? false };
  }

  /**
   * Unlocks with the passphrase; on a new data directory this sets the passphrase. A vault made
   * with a cheaper KDF or holding records not yet bound to their rows is upgraded here: re-derived
   * at the current cost with a new salt and every record re-sealed, in one transaction.
   */
  async unlock(passphrase: string): Promise<VaultState> {
    if (this.kind === 'os') return await this.state();
    this.pending = null;
    this.pendingError = null;
    const setup = await this.readSetup();
    if (setup) {
      let cipher = PassphraseCipher.unlock(passphrase, setup);
      let salt = setup.salt;
      if (await this.needsUpgrade(setup)) {
        const upgraded = await this.upgrade(passphrase, setup, cipher);
        if (!upgraded) return await this.unlock(passphrase); // another process re-keyed meanwhile
        cipher = upgraded.cipher;
        salt = upgraded.salt;
      }
      this.setCipher(cipher, salt);
    } else {
      this.checkNewPassphrase(passphrase);
      const created = PassphraseCipher.create(passphrase, this.kdf);
      const inserted = await this.meta.insertOnce({ kdf: created.setup.kdfText, salt: created.setup.salt, verifier: created.setup.verifier }, new Date().toISOString());
      // Another process set the passphrase first: this one must match it, not replace it.
      if (!inserted) return await this.unlock(passphrase);
      this.setCipher(created.cipher, created.setup.salt);
    }
    return await this.state();
  }

  lock(): void {
    this.pending = null;
    if (this.cipher instanceof PassphraseCipher) this.cipher.lock();
  }

  private checkNewPassphrase(passphrase: string): void {
    if (passphrase.length < MIN_PASSPHRASE_LENGTH) {
      throw new OutpostError(
        'VALIDATION',
        `The vault passphrase must be at least ${MIN_PASSPHRASE_LENGTH} characters (this one has ${passphrase.length}); choose a longer one.`,
      );
    }
  }

  /** Seals a secret for the credential row `binding` (call inside the transaction that writes it). */
  async seal(plain: string, binding: SecretBinding): Promise<{ cipher: 'os' | 'passphrase'; sealed: Buffer }> {
    const cipher = await this.requireCipher();
    if (cipher.kind === 'passphrase') await this.requireCurrentKey();
    return { cipher: cipher.kind, sealed: cipher.seal(Buffer.from(plain, 'utf8'), bindingData(binding)) };
  }

  /** Completes a deferred unlock (which may re-seal every record) before a caller reads one. */
  async ensureUnlocked(): Promise<void> {
    await this.requireCipher();
  }

  async open(cipherKind: 'os' | 'passphrase', sealed: Buffer, binding: SecretBinding): Promise<string> {
    const cipher = await this.requireCipher();
    if (cipher.kind !== cipherKind) {
      throw new OutpostError(
        'VAULT_LOCKED',
        cipherKind === 'os'
          ? 'This secret was saved by the desktop app with the OS keychain; open it from the desktop app.'
          : 'This secret was saved with the vault passphrase; unlock the passphrase vault to use it.',
      );
    }
    try {
      return cipher.open(sealed, bindingData(binding)).toString('utf8');
    } catch (err) {
      if (err instanceof OutpostError && err.code === 'VAULT_CORRUPT') {
        if (cipher.kind === 'passphrase' && !await this.keyIsCurrent()) {
          throw new OutpostError('VAULT_LOCKED', 'The vault was re-keyed by another Outpost process: unlock it again.');
        }
        throw new OutpostError(
          'VAULT_CORRUPT',
          `The stored secret of credential "${binding.name}" (id ${binding.id}) failed its integrity check: it is damaged or was copied from another credential. The passphrase is right; save this credential again.`,
          { id: binding.id },
        );
      }
      throw err;
    }
  }

  private setCipher(cipher: PassphraseCipher, salt: Buffer): void {
    if (this.cipher instanceof PassphraseCipher && this.cipher !== cipher) this.cipher.lock();
    this.cipher = cipher;
    this.unlockedSalt = salt;
  }

  private async needsUpgrade(setup: PassphraseSetup): Promise<boolean> {
    if (isLegacyVerifier(setup.verifier) || kdfWeakerThan(setup.kdf, this.kdf)) return true;
    return (await this.sealedRows('passphrase')).some((r) => sealedFormat(r.secret) !== FORMAT_BOUND);
  }

  /**
   * Re-keys the vault: scrypt runs first (slow, outside the write lock), then one IMMEDIATE
   * transaction re-seals every record bound to its row and replaces the vault row, if no other
   * process re-keyed since `setup` was read. A crash leaves either the old vault or the new one.
   */
  private async upgrade(passphrase: string, setup: PassphraseSetup, old: PassphraseCipher): Promise<{ cipher: PassphraseCipher; salt: Buffer } | null> {
    const target = kdfWeakerThan(setup.kdf, this.kdf) ? this.kdf : setup.kdf;
    const next = PassphraseCipher.create(passphrase, target);
    const done = await atomically(
      this.db,
      async () => {
        const current = await this.readSetup();
        if (!current || !current.salt.equals(setup.salt) || !current.verifier.equals(setup.verifier)) return false;
        await this.rebindRecords('passphrase', old, next.cipher, true);
        await this.meta.replace({ kdf: next.setup.kdfText, salt: next.setup.salt, verifier: next.setup.verifier });
        return true;
      },
      { immediate: true },
    );
    old.lock();
    if (!done) {
      next.cipher.lock();
      return null;
    }
    return { cipher: next.cipher, salt: next.setup.salt };
  }

  /**
   * Re-seals records of one cipher kind bound to their rows (all of them when re-keying, else
   * those not bound yet). A record that does not open is left as it is: it was already unusable,
   * and `open` names it when it is asked for.
   */
  private async rebindRecords(kind: 'os' | 'passphrase', from: SecretCipher, to: SecretCipher, all = false): Promise<void> {
    for (const row of await this.sealedRows(kind)) {
      const aad = bindingData(row);
      let opened: { plain: Buffer; bound: boolean };
      try {
        opened = from.openForMigration(row.secret, aad);
      } catch {
        continue;
      }
      if (all || !opened.bound) await this.secrets.replace(row.id, to.seal(opened.plain, aad));
      opened.plain.fill(0);
    }
  }

  private async sealedRows(kind: 'os' | 'passphrase'): Promise<SealedRow[]> {
    return await this.secrets.ofCipher(kind);
  }

  private async keyIsCurrent(): Promise<boolean> {
    const setup = await this.readSetup();
    return setup !== null && this.unlockedSalt !== null && setup.salt.equals(this.unlockedSalt);
  }

  /** Sealing with a key another process has replaced would store a secret nobody can open. */
  private async requireCurrentKey(): Promise<void> {
    if (!await this.keyIsCurrent()) {
      this.lock();
      throw new OutpostError('VAULT_LOCKED', 'The vault was re-keyed by another Outpost process: unlock it again.');
    }
  }

  private async requireCipher(): Promise<SecretCipher> {
    await this.settle();
    if ((!this.cipher || !this.cipher.isUnlocked()) && this.pendingError !== null) throw this.pendingError;
    if (!this.cipher || !this.cipher.isUnlocked()) {
      throw new OutpostError(
        'VAULT_LOCKED',
        await this.hasSetup()
          ? 'The vault is locked: unlock it with the passphrase first.'
          : `The vault has no passphrase yet: set one (at least ${MIN_PASSPHRASE_LENGTH} characters) to store secrets.`,
      );
    }
    return this.cipher;
  }

  /** Whether a passphrase was set, without decoding the row (status must work on a damaged one). */
  private async hasSetup(): Promise<boolean> {
    return await this.meta.exists();
  }

  private async readSetup(): Promise<PassphraseSetup | null> {
    const row = await this.meta.read();
    if (row === undefined) return null;
    if (row === 'damaged') throw new OutpostError('VAULT_CORRUPT', 'The vault row in this store is damaged (wrong column types). Restore the store from a backup.');
    return { kdf: parseKdf(row.kdf), kdfText: row.kdf, salt: row.salt, verifier: row.verifier };
  }
}
