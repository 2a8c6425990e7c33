import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../test/temp-dir.js';
import { openStore, type Store } from '../db/store.js';
import { CredentialStore } from './credential-store.js';
import { PassphraseCipher, defaultKdf, type KdfParams } from './passphrase-cipher.js';
import { Vault } from './vault.js';

// Cheap scrypt parameters keep the suite fast; one test below uses the shipped defaults.
const fastKdf: KdfParams = { ...defaultKdf, N: 2 ** 10 };
const passphrase = 'correct horse battery staple';
const binding = { id: 1, kind: 'password', name: 'test' };

describe('passphrase vault (AES-256-GCM, scrypt key)', () => {
  let dir: ReturnType<typeof tempDir>;
  let db: Store;
  beforeEach(async () => {
    dir = tempDir();
    db = await openStore(join(dir.path, 'outpost.db'));
  });
  afterEach(async () => {
    await db.close();
    dir.remove();
  });

  it('is locked and uninitialised on a new store, and refuses to seal', async () => {
    const vault = await Vault.load(db.sql, null, fastKdf);
    expect(await vault.state()).toEqual({ kind: 'passphrase', initialised: false, unlocked: false });
    await expect(vault.seal('x', binding)).rejects.toThrowError(expect.objectContaining({ code: 'VAULT_LOCKED' }));
  });

  it('sets the passphrase on first unlock, then needs the same passphrase after a restart', async () => {
    const first = await Vault.load(db.sql, null, fastKdf);
    await first.unlock(passphrase);
    const { cipher, sealed } = await first.seal('s3cret!', binding);
    expect(cipher).toBe('passphrase');

    const second = await Vault.load(db.sql, null, fastKdf);
    expect(await second.state()).toEqual({ kind: 'passphrase', initialised: true, unlocked: false });
    await expect(second.unlock('wrong passphrase here')).rejects.toThrowError(expect.objectContaining({ code: 'VAULT_PASSPHRASE' }));
    expect((await second.state()).unlocked).toBe(false);
    await second.unlock(passphrase);
    expect(await second.open('passphrase', sealed, binding)).toBe('s3cret!');
  });

  it('detects a tampered secret instead of returning garbage', async () => {
    const vault = await Vault.load(db.sql, null, fastKdf);
    await vault.unlock(passphrase);
    const { sealed } = await vault.seal('s3cret!', binding);
    const tampered = Buffer.from(sealed);
    tampered[tampered.length - 1]! ^= 0x01;
    await expect(vault.open('passphrase', tampered, binding)).rejects.toThrowError(expect.objectContaining({ code: 'VAULT_CORRUPT' }));
  });

  it('stores credentials only as ciphertext and lists them without the secret', async () => {
    const vault = await Vault.load(db.sql, null, fastKdf);
    await vault.unlock(passphrase);
    const store = new CredentialStore(db.sql, vault);
    const secret = 'VeryDistinctivePassword-8f2e1c';
    const meta = await store.save({ name: 'vc-admin', kind: 'vcenter', username: 'administrator@vsphere.local', secret });
    expect(meta).not.toHaveProperty('secret');
    expect(JSON.stringify(await store.list())).not.toContain(secret);
    expect(await store.reveal(meta.id)).toBe(secret);
    await db.sql.all('PRAGMA wal_checkpoint(TRUNCATE)', [], z.unknown());
    const onDisk = readFileSync(join(dir.path, 'outpost.db'));
    expect(onDisk.includes(Buffer.from(secret))).toBe(false);
    await expect(store.save({ name: 'vc-admin', kind: 'password', secret: 'x' })).rejects.toThrowError(
      expect.objectContaining({ code: 'CONFLICT' }),
    );
  });

  it('tells the operator when a secret was sealed by the OS keychain', async () => {
    const vault = await Vault.load(db.sql, null, fastKdf);
    await vault.unlock(passphrase);
    await expect(vault.open('os', Buffer.from('whatever'), binding)).rejects.toThrowError(expect.objectContaining({ code: 'VAULT_LOCKED' }));
  });

  it("derives the key with the shipped scrypt cost (at least OWASP's N=2^17, r=8, p=1) and rejects a wrong passphrase", () => {
    expect(defaultKdf.N).toBeGreaterThanOrEqual(2 ** 17);
    expect(defaultKdf).toMatchObject({ r: 8, p: 1, keyLength: 32 });
    const { setup } = PassphraseCipher.create(passphrase);
    expect(setup.kdf).toEqual(defaultKdf);
    expect(() => PassphraseCipher.unlock('not the passphrase', setup)).toThrowError(
      expect.objectContaining({ code: 'VAULT_PASSPHRASE' }),
    );
    expect(PassphraseCipher.unlock(passphrase, setup).isUnlocked()).toBe(true);
  });
});

describe('vault set-up by two processes', () => {
  it('a second process that saw no passphrase yet must match the one set meanwhile, not replace it', async () => {
    const dir = tempDir();
    const a = await openStore(join(dir.path, 'outpost.db'));
    const b = await openStore(join(dir.path, 'outpost.db'));
    try {
      const first = await Vault.load(a.sql, null, fastKdf);
      const second = await Vault.load(b.sql, null, fastKdf);
      expect((await second.state()).initialised).toBe(false);
      await first.unlock(passphrase);
      // `second` read "not initialised" before; its unlock must now verify against the stored setup.
      await expect(second.unlock('a different passphrase')).rejects.toThrowError(expect.objectContaining({ code: 'VAULT_PASSPHRASE' }));
      expect((await second.unlock(passphrase)).unlocked).toBe(true);
    } finally {
      await a.close();
      await b.close();
      dir.remove();
    }
  });
});
