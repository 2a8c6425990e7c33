// The passphrase vault against a stolen or hostile store: KDF cost and its upgrade, secrets bound
// to their rows, KDF parameters bounded, a damaged vault told apart from a wrong passphrase, and
// the 12-character minimum on every path. Real SQLite files, real scrypt and AES-GCM.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import { tempDir } from '../../test/temp-dir.js';
import { openStore, type Store } from '../db/store.js';
import { createOutpostCore } from '../server/core.js';
import { CredentialStore } from './credential-store.js';
import { defaultKdf, deriveKey, sealWithKey, sealedFormat, type KdfParams } from './passphrase-cipher.js';
import { Vault } from './vault.js';

const passphrase = 'correct horse battery staple';
const legacyKdf: KdfParams = { ...defaultKdf, N: 2 ** 10 };
const targetKdf: KdfParams = { ...defaultKdf, N: 2 ** 11 };

const metaRow = z.object({ kdf: z.string(), salt: z.instanceof(Buffer), verifier: z.instanceof(Buffer) });
const secretRow = z.object({ secret: z.instanceof(Buffer) });
const meta = async (db: Store) => metaRow.parse(await db.sql.get('SELECT kdf, salt, verifier FROM vault_meta', [], z.unknown()));
const secretOf = async (db: Store, id: number) => secretRow.parse(await db.sql.get('SELECT secret FROM credentials WHERE id = ?', [id], z.unknown())).secret;

/** A vault as Outpost 1 wrote it: verifier and records sealed without associated data. */
async function writeLegacyVault(db: Store, kdf: KdfParams, secrets: { name: string; kind: string; secret: string }[]): Promise<void> {
  const salt = randomBytes(16);
  const key = deriveKey(passphrase, salt, kdf);
  await db.sql.run("INSERT INTO vault_meta (id, kdf, salt, verifier, created_at) VALUES (1, ?, ?, ?, 'then')", [JSON.stringify(kdf),
    salt,
    sealWithKey(key, Buffer.from('outpost-vault-verifier-v1')),]);
  for (const s of secrets) {
    await db.sql.run("INSERT INTO credentials (name, kind, cipher, secret, created_at, updated_at) VALUES (?, ?, 'passphrase', ?, 'then', 'then')", [s.name,
      s.kind,
      sealWithKey(key, Buffer.from(s.secret)),]);
  }
}

describe('vault hardening (real SQLite, real scrypt)', () => {
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

  it('re-derives a cheaper vault at the current cost on unlock and re-seals its records bound to their rows', async () => {
    await writeLegacyVault(db, legacyKdf, [
      { name: 'vc', kind: 'vcenter', secret: 'vcenter-password' },
      { name: 'ssh', kind: 'password', secret: 'ssh-password' },
    ]);
    const before = await meta(db);
    const vault = await Vault.load(db.sql, null, targetKdf);
    await vault.unlock(passphrase);
    const after = await meta(db);
    expect(JSON.parse(after.kdf)).toEqual(targetKdf);
    expect(after.salt.equals(before.salt)).toBe(false);
    expect(sealedFormat(await secretOf(db, 1))).toBe(2);
    expect(sealedFormat(await secretOf(db, 2))).toBe(2);
    const store = new CredentialStore(db.sql, vault);
    expect(await store.reveal(1)).toBe('vcenter-password');
    expect(await store.reveal(2)).toBe('ssh-password');
    // A fresh process unlocks the upgraded vault with the same passphrase; nothing left to upgrade.
    const again = await Vault.load(db.sql, null, targetKdf);
    await again.unlock(passphrase);
    expect((await meta(db)).salt.equals(after.salt)).toBe(true);
    expect(await new CredentialStore(db.sql, again).reveal(1)).toBe('vcenter-password');
  });

  it('upgrades a vault at the old shipped cost (N=2^15) to the shipped one', async () => {
    await writeLegacyVault(db, { ...defaultKdf, N: 2 ** 15 }, [{ name: 'vc', kind: 'vcenter', secret: 'pw' }]);
    const vault = await Vault.load(db.sql, null);
    await vault.unlock(passphrase);
    expect(JSON.parse((await meta(db)).kdf)).toEqual(defaultKdf);
    expect(await new CredentialStore(db.sql, vault).reveal(1)).toBe('pw');
  });

  it('upgrades atomically: a failure part-way leaves the old vault and records byte for byte', async () => {
    await writeLegacyVault(db, legacyKdf, [{ name: 'vc', kind: 'vcenter', secret: 'pw' }]);
    const before = { meta: await meta(db), secret: await secretOf(db, 1) };
    // The last write of the upgrade (the vault row) fails after the records were re-sealed.
    await db.sql.run("CREATE TRIGGER fail_rekey BEFORE UPDATE ON vault_meta BEGIN SELECT RAISE(ABORT, 'disk full'); END");
    await expect((await Vault.load(db.sql, null, targetKdf)).unlock(passphrase)).rejects.toThrow(/disk full/);
    expect(await meta(db)).toEqual(before.meta);
    expect((await secretOf(db, 1)).equals(before.secret)).toBe(true);
    await db.sql.run('DROP TRIGGER fail_rekey');
    const vault = await Vault.load(db.sql, null, targetKdf);
    await vault.unlock(passphrase);
    expect(await new CredentialStore(db.sql, vault).reveal(1)).toBe('pw');
  });

  it('a secret copied into another row does not open there (the vCenter password cannot become an SSH password)', async () => {
    const vault = await Vault.load(db.sql, null, targetKdf);
    await vault.unlock(passphrase);
    const store = new CredentialStore(db.sql, vault);
    const vc = await store.save({ name: 'vc-admin', kind: 'vcenter', secret: 'the vCenter password' });
    const ssh = await store.save({ name: 'web-ssh', kind: 'password', secret: 'an ssh password' });
    await db.sql.run('UPDATE credentials SET secret = ? WHERE id = ?', [await secretOf(db, vc.id), ssh.id]);
    await expect(store.reveal(ssh.id)).rejects.toThrowError(expect.objectContaining({ code: 'VAULT_CORRUPT', message: expect.stringContaining('"web-ssh"') }));
    expect(await store.reveal(vc.id)).toBe('the vCenter password');
  });

  it('a legacy record that was not migrated is refused, not opened unbound', async () => {
    const vault = await Vault.load(db.sql, null, targetKdf);
    await vault.unlock(passphrase);
    const store = new CredentialStore(db.sql, vault);
    const ssh = await store.save({ name: 'web-ssh', kind: 'password', secret: 'x' });
    const salt = (await meta(db)).salt;
    const key = deriveKey(passphrase, salt, targetKdf);
    await db.sql.run('UPDATE credentials SET secret = ? WHERE id = ?', [sealWithKey(key, Buffer.from('planted')), ssh.id]);
    await expect(store.reveal(ssh.id)).rejects.toThrowError(expect.objectContaining({ code: 'VAULT_CORRUPT' }));
  });

  it.each([
    ['N far too large (scrypt would allocate gigabytes)', { ...defaultKdf, N: 2 ** 30 }, /N/],
    ['N not a power of two', { ...defaultKdf, N: 100_000 }, /power of two/],
    ['r huge', { ...defaultKdf, r: 1_000_000 }, /r/],
    ['p huge (would spin for hours)', { ...defaultKdf, p: 1_000_000 }, /p/],
    ['memory over the ceiling', { ...defaultKdf, N: 2 ** 18, r: 16 }, /memory/],
    ['keyLength other than 32', { ...defaultKdf, keyLength: 4096 }, /keyLength/],
    ['another algorithm', { ...defaultKdf, algorithm: 'pbkdf2' }, /algorithm/],
  ])('refuses KDF parameters from the store that are out of range: %s', async (_what, kdf, field) => {
    await writeLegacyVault(db, legacyKdf, []);
    await db.sql.run('UPDATE vault_meta SET kdf = ?', [JSON.stringify(kdf)]);
    const t0 = performance.now();
    let error: unknown;
    try {
      await (await Vault.load(db.sql, null, targetKdf)).unlock(passphrase);
    } catch (err) {
      error = err;
    }
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(error).toMatchObject({ code: 'VAULT_CORRUPT', message: expect.stringMatching(/out of range/) });
    expect((error as Error).message).toMatch(field);
  });

  it('refuses KDF parameters that are not JSON', async () => {
    await writeLegacyVault(db, legacyKdf, []);
    await db.sql.run("UPDATE vault_meta SET kdf = '{N:'");
    await expect((await Vault.load(db.sql, null, targetKdf)).unlock(passphrase)).rejects.toThrowError(expect.objectContaining({ code: 'VAULT_CORRUPT' }));
  });

  it('tells a damaged vault (VAULT_CORRUPT) from a wrong passphrase (VAULT_PASSPHRASE)', async () => {
    await (await Vault.load(db.sql, null, targetKdf)).unlock(passphrase);
    await expect((await Vault.load(db.sql, null, targetKdf)).unlock('not the passphrase at all')).rejects.toThrowError(
      expect.objectContaining({ code: 'VAULT_PASSPHRASE' }),
    );
    const good = await meta(db);
    const flip = (b: Buffer, at: number): Buffer => {
      const c = Buffer.from(b);
      c[at]! ^= 0x01;
      return c;
    };
    for (const [what, sql, value] of [
      ['a bit of the sealed verifier', 'UPDATE vault_meta SET verifier = ?', flip(good.verifier, 20)],
      ['the salt', 'UPDATE vault_meta SET salt = ?', flip(good.salt, 3)],
      ['the KDF text (same values, other bytes)', 'UPDATE vault_meta SET kdf = ?', JSON.stringify(JSON.parse(good.kdf), null, 1)],
      ['a truncated verifier', 'UPDATE vault_meta SET verifier = ?', good.verifier.subarray(0, 30)],
    ] as const) {
      await db.sql.run(sql, [value]);
      for (const tried of [passphrase, 'not the passphrase at all']) {
        await expect((await Vault.load(db.sql, null, targetKdf)).unlock(tried), `${what} / ${tried}`).rejects.toThrowError(
          expect.objectContaining({ code: 'VAULT_CORRUPT', message: expect.stringContaining('damaged') }),
        );
      }
      await db.sql.run('UPDATE vault_meta SET kdf = ?, salt = ?, verifier = ?', [good.kdf, good.salt, good.verifier]);
    }
    // Intact again: the right passphrase opens it; a damaged record is named, the vault still opens.
    const vault = await Vault.load(db.sql, null, targetKdf);
    await vault.unlock(passphrase);
    const store = new CredentialStore(db.sql, vault);
    const cred = await store.save({ name: 'vc', kind: 'vcenter', secret: 'pw' });
    await db.sql.run('UPDATE credentials SET secret = ? WHERE id = ?', [flip(await secretOf(db, cred.id), (await secretOf(db, cred.id)).length - 1), cred.id]);
    await expect(store.reveal(cred.id)).rejects.toThrowError(expect.objectContaining({ code: 'VAULT_CORRUPT', message: expect.stringContaining('"vc"') }));
    expect((await (await Vault.load(db.sql, null, targetKdf)).unlock(passphrase)).unlocked).toBe(true);
  });

  it('a process still holding the key from before another re-keyed the vault does not seal with it', async () => {
    await writeLegacyVault(db, legacyKdf, []);
    const early = await Vault.load(db.sql, null, legacyKdf); // no upgrade wanted: keeps the old key
    await early.unlock(passphrase);
    await (await Vault.load(db.sql, null, targetKdf)).unlock(passphrase); // re-keys
    await expect(new CredentialStore(db.sql, early).save({ name: 'x', kind: 'password', secret: 's' })).rejects.toThrowError(
      expect.objectContaining({ code: 'VAULT_LOCKED', message: expect.stringContaining('unlock it again') }),
    );
    expect(await db.sql.get('SELECT count(*) AS n FROM credentials', [], z.unknown())).toEqual({ n: 0 });
  });
});

describe('deferred unlock (the CLI: scrypt only when a secret is needed)', () => {
  it('derives nothing until first use, then unlocks (and upgrades); a wrong passphrase surfaces at that use', async () => {
    const dir = tempDir();
    const db = await openStore(join(dir.path, 'outpost.db'));
    try {
      await writeLegacyVault(db, legacyKdf, [{ name: 'vc', kind: 'vcenter', secret: 'pw' }]);
      const before = await meta(db);
      const vault = await Vault.load(db.sql, null, targetKdf);
      await vault.deferUnlock(passphrase);
      expect(await meta(db)).toEqual(before); // not unlocked, so not upgraded yet
      expect(await new CredentialStore(db.sql, vault).reveal(1)).toBe('pw');
      expect((await meta(db)).salt.equals(before.salt)).toBe(false);

      // Two first uses at once (the status bar and a command): both wait for the one deferred unlock.
      const busy = await Vault.load(db.sql, null, targetKdf);
      await busy.deferUnlock(passphrase);
      const credentials = new CredentialStore(db.sql, busy);
      expect(await Promise.all([busy.state().then((st) => st.unlocked), credentials.reveal(1), credentials.reveal(1)])).toEqual([true, 'pw', 'pw']);

      const wrong = await Vault.load(db.sql, null, targetKdf);
      await wrong.deferUnlock('not the passphrase at all');
      await expect(new CredentialStore(db.sql, wrong).reveal(1)).rejects.toThrowError(expect.objectContaining({ code: 'VAULT_PASSPHRASE' }));
      await expect(new CredentialStore(db.sql, wrong).reveal(1)).rejects.toThrowError(expect.objectContaining({ code: 'VAULT_PASSPHRASE' }));
      expect((await wrong.state()).unlocked).toBe(false);

      const fresh = await Vault.load((await openStore(join(dir.path, 'other.db'))).sql, null, targetKdf);
      await expect(fresh.deferUnlock('short')).rejects.toThrowError(expect.objectContaining({ code: 'VALIDATION' }));
    } finally {
      await db.close();
      dir.remove();
    }
  });
});

describe('the 12-character passphrase minimum holds on every path', () => {
  it('a new vault refuses a short passphrase from the core option (the CLI/host environment variable)', async () => {
    const dir = tempDir();
    try {
      await expect(createOutpostCore({ dataDir: dir.path, transport: 'test', kdf: targetKdf, passphrase: 'short' })).rejects.toThrowError(
        expect.objectContaining({ code: 'VALIDATION', message: expect.stringContaining('at least 12 characters') }),
      );
      const core = await createOutpostCore({ dataDir: dir.path, transport: 'test', kdf: targetKdf });
      try {
        expect(await core.services.vault.state()).toMatchObject({ initialised: false, unlocked: false });
      } finally {
        await core.close();
      }
    } finally {
      dir.remove();
    }
  });
});
