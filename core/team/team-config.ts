import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { OutpostError } from '../contract/errors.js';
import { atomically, type Sql } from '../db/sql.js';
import { CredentialStore } from '../vault/credential-store.js';
import type { Vault } from '../vault/vault.js';

/** The file in the data folder that makes the team database this workstation's store. */
export const TEAM_FILE = 'team.json';
/** The credential (in this workstation's own vault, never the team database) holding the team password. */
export const TEAM_CREDENTIAL = 'team:postgres';

export const teamConfigSchema = z.object({
  /** postgres://USER@HOST:PORT/DATABASE, never with a password. */
  url: z.string(),
  ca: z.string().nullable(),
  fingerprint: z.string().nullable(),
  savedAt: z.string(),
});
export type TeamConfig = z.infer<typeof teamConfigSchema>;

export function readTeamConfig(dataDir: string): TeamConfig | null {
  const path = join(dataDir, TEAM_FILE);
  if (!existsSync(path)) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new OutpostError('VALIDATION', `${path} is not valid JSON. Connect again (outpost team connect) or remove it to use this workstation's own store.`, { path });
  }
  const parsed = teamConfigSchema.safeParse(raw);
  if (!parsed.success) throw new OutpostError('VALIDATION', `${path} is not a team connection Outpost wrote. Connect again (outpost team connect) or remove it.`, { path });
  return parsed.data;
}

/** Written whole (temp file + rename), owner-only: it names the server and its CA, not the password. */
export function writeTeamConfig(dataDir: string, config: TeamConfig): void {
  const path = join(dataDir, TEAM_FILE);
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  renameSync(temp, path);
}

export function removeTeamConfig(dataDir: string): boolean {
  const path = join(dataDir, TEAM_FILE);
  const had = existsSync(path);
  rmSync(path, { force: true });
  return had;
}

/** Seals the team password in this workstation's vault (replacing an earlier one). */
export async function saveTeamPassword(local: Sql, vault: Vault, user: string, password: string): Promise<void> {
  if (!(await vault.state()).unlocked) {
    throw new OutpostError('VAULT_LOCKED', 'The vault is locked: unlock it (Settings, or OUTPOST_VAULT_PASSPHRASE for the CLI) so the team password can be stored sealed.');
  }
  const credentials = new CredentialStore(local, vault);
  await atomically(local, async () => {
    const old = (await credentials.list()).find((c) => c.name === TEAM_CREDENTIAL);
    if (old) await credentials.remove(old.id);
    await credentials.save({ name: TEAM_CREDENTIAL, kind: 'password', username: user, secret: password });
  });
}

/** The sealed team password, or null when none was saved. */
export async function readTeamPassword(local: Sql, vault: Vault): Promise<string | null> {
  const credentials = new CredentialStore(local, vault);
  const saved = (await credentials.list()).find((c) => c.name === TEAM_CREDENTIAL);
  return saved ? await credentials.reveal(saved.id) : null;
}

export async function forgetTeamPassword(local: Sql, vault: Vault): Promise<void> {
  const credentials = new CredentialStore(local, vault);
  const saved = (await credentials.list()).find((c) => c.name === TEAM_CREDENTIAL);
  if (saved) await credentials.remove(saved.id);
}
