// Owns tables: settings.
import {
  defaultSettings,
  settingsSchema,
  type Settings,
  type SettingsPatch,
} from '../contract/settings.js';
import type { AuditLog } from '../audit/audit-log.js';
import { z } from 'zod';
import type { Sql } from '../db/sql.js';
import type { EventBus } from '../events/event-bus.js';
import { hostname, userInfo } from 'node:os';

/**
 * The audit actor: OUTPOST_OPERATOR (this workstation's identity when several share one store), else the
 * operator's configured name, else the OS account on this machine. Every entry point (host, CLI, exec) asks here.
 */
export function operatorActor(settings: Pick<Settings, 'operatorName'>, env: NodeJS.ProcessEnv = process.env): string {
  const own = env.OUTPOST_OPERATOR?.trim();
  if (own) return own.slice(0, 64);
  if (settings.operatorName) return settings.operatorName;
  try {
    return `${userInfo().username}@${hostname()}`;
  } catch {
    return 'operator';
  }
}

const settingRow = z.object({ key: z.string(), value: z.string() });

/**
 * Settings that belong to the workstation, not the team: the operator's name. In team mode they
 * live in the workstation's own store, so two laptops on one team database keep their own names
 * (and the audit rows each writes name its operator); every other setting is the team's.
 */
export const PERSONAL_SETTINGS: ReadonlySet<string> = new Set<keyof Settings>(['operatorName']);

/** Operator settings as key/JSON rows; a stored value that no longer validates falls back to its default. */
export class SettingsStore {
  /**
   * `personal`: the workstation's own store when `db` is a shared (team) one; the personal
   * settings are read and written there. Without it every setting lives in `db`.
   */
  constructor(
    private readonly db: Sql,
    private readonly audit: AuditLog,
    private readonly bus?: EventBus,
    private readonly personal?: Sql,
  ) {}

  private async rows(): Promise<{ key: string; value: string }[]> {
    const rows = await this.db.all('SELECT key, value FROM settings', [], settingRow);
    if (!this.personal) return rows;
    const own = await this.personal.all('SELECT key, value FROM settings', [], settingRow);
    return [...rows.filter((r) => !PERSONAL_SETTINGS.has(r.key)), ...own.filter((r) => PERSONAL_SETTINGS.has(r.key))];
  }

  async get(): Promise<Settings> {
    const rows = await this.rows();
    const merged: Record<string, unknown> = { ...defaultSettings };
    for (const { key, value } of rows) {
      if (!(key in defaultSettings)) continue;
      let stored: unknown;
      try {
        stored = JSON.parse(value);
      } catch {
        continue; // an unreadable value falls back to its default; the row stays for inspection
      }
      const candidate = { ...defaultSettings, [key]: stored };
      if (settingsSchema.safeParse(candidate).success) merged[key] = candidate[key as keyof Settings];
    }
    return settingsSchema.parse(merged);
  }

  async update(patch: SettingsPatch, actor: string): Promise<Settings> {
    const before = await this.get();
    const changed = Object.entries(patch).filter(
      ([key, value]) => JSON.stringify(before[key as keyof Settings]) !== JSON.stringify(value),
    );
    if (changed.length === 0) return before;
    const now = new Date().toISOString();
    const upsert = 'INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at';
    const own = this.personal;
    await this.db.transaction(async (tx) => {
      for (const [key, value] of changed) {
        if (own && PERSONAL_SETTINGS.has(key)) continue;
        await tx.run(upsert, [key, JSON.stringify(value), now]);
      }
      await this.audit.append({
        actor,
        action: 'settings.update',
        target: changed.map(([key]) => key).join(','),
        details: Object.fromEntries(
          changed.map(([key, value]) => [key, { from: before[key as keyof Settings], to: value }]),
        ),
      });
      // The workstation's own settings last, inside the team transaction: if they cannot be written,
      // the team's rows and the audit row roll back with them.
      const personal = own ? changed.filter(([key]) => PERSONAL_SETTINGS.has(key)) : [];
      if (own && personal.length > 0) {
        await own.transaction(async (local) => {
          for (const [key, value] of personal) await local.run(upsert, [key, JSON.stringify(value), now]);
        });
      }
    });
    const after = await this.get();
    this.bus?.emit('settings.changed', after);
    return after;
  }
}
