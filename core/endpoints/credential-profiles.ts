import { OutpostError } from '../contract/errors.js';
import { ForeignKeyViolation } from '../db/sql.js';
import type { CredentialScope, CredentialSecret, CredentialView } from '../contract/remote.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { CredentialStore } from '../vault/credential-store.js';
import type { SshAuth } from '../ssh/ssh-target.js';

type StoredKey = { privateKey: string; passphrase?: string };

/**
 * Named credential profiles on top of the vault's CredentialStore: a password, or a private key
 * with its passphrase (sealed together as one JSON secret). Only `sshAuth`/`password` hand a
 * secret out, and only to core code that is about to authenticate.
 */
export class CredentialProfiles {
  constructor(
    private readonly store: CredentialStore,
    private readonly audit: AuditLog,
  ) {}

  async list(): Promise<CredentialView[]> {
    return await this.store.list();
  }

  async byName(name: string): Promise<CredentialView> {
    const found = (await this.store.list()).find((c) => c.name === name);
    if (!found) throw new OutpostError('NOT_FOUND', `No credential profile named "${name}". List them with outpost credential list.`);
    return found;
  }

  async add(input: { name: string; username: string; scope: CredentialScope; secret: CredentialSecret }, actor: string): Promise<CredentialView> {
    const secret = input.secret.type === 'password' ? input.secret.password : JSON.stringify({ privateKey: input.secret.privateKey, ...(input.secret.passphrase ? { passphrase: input.secret.passphrase } : {}) } satisfies StoredKey);
    const kind = input.secret.type;
    try {
      const saved = await this.store.save({ name: input.name, kind, username: input.username, secret, scope: input.scope });
      await this.audit.append({ actor, action: 'credential.add', target: input.name, details: { kind, username: input.username, scope: input.scope } });
      return saved;
    } catch (err) {
      await this.audit.append({ actor, action: 'credential.add', target: input.name, outcome: 'failed', details: { kind, code: err instanceof OutpostError ? err.code : 'INTERNAL' } });
      throw err;
    }
  }

  async remove(name: string, actor: string): Promise<void> {
    const found = await this.byName(name);
    try {
      await this.store.remove(found.id);
    } catch (err) {
      if (err instanceof ForeignKeyViolation) {
        throw new OutpostError('CONFLICT', `Credential "${name}" is still used (by a site); change that first.`);
      }
      throw err;
    }
    await this.audit.append({ actor, action: 'credential.remove', target: name, details: { kind: found.kind } });
  }

  /** User and password of a password profile (WinRM). */
  async password(name: string): Promise<{ user: string; password: string }> {
    const c = await this.byName(name);
    if (c.kind !== 'password' || !c.username) throw new OutpostError('VALIDATION', `Credential "${name}" is not a user + password credential; WinRM needs one.`);
    return { user: c.username, password: await this.store.reveal(c.id) };
  }

  /** The SSH user and authentication of a profile (the secret, opened from the vault). */
  async sshAuth(name: string): Promise<{ user: string | null; auth: SshAuth }> {
    const c = await this.byName(name);
    const secret = await this.store.reveal(c.id);
    if (c.kind === 'private-key') {
      const key = JSON.parse(secret) as StoredKey;
      return { user: c.username, auth: { type: 'private-key', privateKey: key.privateKey, ...(key.passphrase ? { passphrase: key.passphrase } : {}) } };
    }
    if (c.kind === 'password') return { user: c.username, auth: { type: 'password', password: secret } };
    throw new OutpostError('VALIDATION', `Credential "${name}" is a ${c.kind} credential, not one for SSH.`);
  }
}
