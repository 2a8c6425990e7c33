import { z } from 'zod';
import type { CommandSpec } from './command-spec.js';

const empty = z.object({}).strict();

export const vaultStateSchema = z.object({
  /** 'os': Electron safeStorage (always unlocked); 'passphrase': AES-GCM with an scrypt key. */
  kind: z.enum(['os', 'passphrase']),
  /** Whether the vault has been set up (a passphrase chosen) in this data directory. */
  initialised: z.boolean(),
  unlocked: z.boolean(),
});
export type VaultState = z.infer<typeof vaultStateSchema>;

/** The secrets vault: its state, and unlocking (or first setting up) the passphrase vault. */
export const vaultCommands = {
  'vault.status': {
    summary: 'Whether secrets can be read and written',
    input: empty,
    output: vaultStateSchema,
  },
  'vault.unlock': {
    summary: 'Unlock (or, the first time, set up) the passphrase vault',
    input: z.object({ passphrase: z.string().min(12).max(1024) }).strict(),
    output: vaultStateSchema,
  },
} as const satisfies Record<string, CommandSpec>;
