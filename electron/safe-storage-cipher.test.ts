import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { join } from 'node:path';
import { tempDir } from '../test/temp-dir.js';
import { openStore } from '../core/db/store.js';
import { CredentialStore } from '../core/vault/credential-store.js';
import { Vault } from '../core/vault/vault.js';
import { chooseOsCipher, type SafeStorageApi } from './safe-storage-cipher.js';

/** A reversible stand-in for the OS keychain: enough to prove the byte round trip. */
function fakeSafeStorage(options: { available: boolean; backend?: string; throws?: boolean }): SafeStorageApi {
  return {
    isEncryptionAvailable() {
      if (options.throws) throw new Error('not ready');
      return options.available;
    },
    encryptString: (text) => Buffer.from(`sealed:${text}`, 'utf8'),
    decryptString: (sealed) => {
      const text = sealed.toString('utf8');
      if (!text.startsWith('sealed:')) throw new Error('not ours');
      return text.slice('sealed:'.length);
    },
    ...(options.backend === undefined ? {} : { getSelectedStorageBackend: () => options.backend ?? '' }),
  };
}

describe('chooseOsCipher', () => {
  it('uses safeStorage when the OS can encrypt (macOS, Windows)', () => {
    for (const platform of ['darwin', 'win32'] as const) {
      const choice = chooseOsCipher(fakeSafeStorage({ available: true }), platform);
      expect(choice.cipher?.kind).toBe('os');
      expect(choice.cipher?.isUnlocked()).toBe(true);
    }
  });

  it('uses safeStorage on Linux with a real keyring', () => {
    for (const backend of ['gnome_libsecret', 'kwallet5', 'kwallet6']) {
      const choice = chooseOsCipher(fakeSafeStorage({ available: true, backend }), 'linux');
      expect(choice.cipher?.kind).toBe('os');
      expect(choice.reason).toContain(backend);
    }
  });

  it('falls back to the passphrase vault when encryption is unavailable', () => {
    expect(chooseOsCipher(fakeSafeStorage({ available: false }), 'darwin').cipher).toBeNull();
    expect(chooseOsCipher(fakeSafeStorage({ available: false, throws: true }), 'win32').cipher).toBeNull();
  });

  it('refuses Linux basic_text (a hard-coded key) and an unknown backend', () => {
    const basic = chooseOsCipher(fakeSafeStorage({ available: true, backend: 'basic_text' }), 'linux');
    expect(basic.cipher).toBeNull();
    expect(basic.reason).toContain('passphrase vault');
    expect(chooseOsCipher(fakeSafeStorage({ available: true }), 'linux').cipher).toBeNull();
  });

  it('round-trips arbitrary bytes, not just text', () => {
    const choice = chooseOsCipher(fakeSafeStorage({ available: true }), 'darwin');
    const bytes = Buffer.from([0, 255, 128, 10, 13, 0xc3, 0x28, 0xf0]);
    const aad = Buffer.from('credential 1');
    const sealed = choice.cipher?.seal(bytes, aad);
    expect(sealed).toBeDefined();
    if (sealed) {
      expect(choice.cipher?.open(sealed, aad).equals(bytes)).toBe(true);
      // Bound to its record: the same ciphertext under another record's binding does not open.
      expect(() => choice.cipher?.open(sealed, Buffer.from('credential 2'))).toThrowError(expect.objectContaining({ code: 'VAULT_CORRUPT' }));
    }
  });
});

describe('OS-keychain secrets bound to their rows (fake safeStorage stand-in, real SQLite)', () => {
  it('binds records sealed before binding when the vault starts, and a copied record does not open', async () => {
    const dir = tempDir();
    const db = await openStore(join(dir.path, 'outpost.db'));
    try {
      const api = fakeSafeStorage({ available: true });
      // As an older Outpost stored them: safeStorage over the bare secret.
      for (const [name, kind, secret] of [['vc', 'vcenter', 'vcenter-pw'], ['ssh', 'password', 'ssh-pw']] as const) {
        await db.sql.run("INSERT INTO credentials (name, kind, cipher, secret, created_at, updated_at) VALUES (?, ?, 'os', ?, 'then', 'then')", [name,
          kind,
          api.encryptString(Buffer.from(secret).toString('base64')),]);
      }
      const cipher = chooseOsCipher(api, 'darwin').cipher;
      const store = new CredentialStore(db.sql, await Vault.load(db.sql, cipher));
      expect(await store.reveal(1)).toBe('vcenter-pw');
      expect(await store.reveal(2)).toBe('ssh-pw');
      const vcSecret = (await db.sql.get('SELECT secret FROM credentials WHERE id = 1', [], z.object({ secret: z.instanceof(Buffer) })))!.secret;
      await db.sql.run('UPDATE credentials SET secret = ? WHERE id = 2', [vcSecret]);
      await expect(store.reveal(2)).rejects.toThrowError(expect.objectContaining({ code: 'VAULT_CORRUPT' }));
    } finally {
      await db.close();
      dir.remove();
    }
  });
});
