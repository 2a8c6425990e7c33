import { spawnSync } from 'node:child_process';
import type { KeyObject } from 'node:crypto';
import { closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, readlinkSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { AuditLog, type AuditRecord } from '../audit/audit-log.js';
import { OutpostError } from '../contract/errors.js';
import { backupStore, openStore, settleStoreFile, storeSchemaVersion } from '../db/store.js';
import { childEnv } from '../exec/child-env.js';
import { readPublicKey, verifyBundle, type BundleManifest } from './bundle-signature.js';

/**
 * An installation extracted from an offline bundle (scripts/bundle.mjs):
 *
 *   ROOT/current -> versions/V      the version the launchers in ROOT/bin run (a symlink, so
 *                                   switching is one atomic rename)
 *   ROOT/versions/V/                a whole version: runtime, code, dependencies, pinned key
 *   ROOT/update-state.json          what `--rollback` goes back to, and the store snapshot
 *
 * An update verifies the bundle with the key pinned in the CURRENT version, extracts it beside
 * the old one, proves the new version starts and migrates a copy of the store, then migrates
 * the store and switches. Until the switch, the old version runs and the store is untouched.
 */
export const PUBLIC_KEY_FILE = join('resources', 'keys', 'release-ed25519.pub');

const stateSchema = z.object({
  current: z.string(),
  previous: z.string().nullable(),
  /** The store as it was before `current` migrated it: what a rollback to `previous` restores. */
  snapshot: z.object({ path: z.string(), db: z.string(), schema: z.number().int(), takenAt: z.string() }).nullable(),
});
type UpdateState = z.infer<typeof stateSchema>;

const bundleInfoSchema = z.object({ version: z.string() }).loose();

export interface UpdateResult {
  from: string;
  to: string;
  schema: { from: number; to: number } | null;
  snapshot: string | null;
  elapsedMs: number;
}

export interface RollbackResult {
  from: string;
  to: string;
  /** The store was restored from the pre-update snapshot; the newer store was kept at `keptAside`. */
  restored: { snapshot: string; keptAside: string } | null;
}

export interface InstallerOptions {
  root: string;
  /** The store to migrate (and audit into); it may not exist yet. */
  dbPath: string;
  actor?: string;
}

const migrateReportSchema = z.object({ from: z.number().int(), to: z.number().int() }).loose();

export class BundleInstaller {
  private readonly root: string;
  private readonly dbPath: string;
  private readonly actor: string;

  constructor(options: InstallerOptions) {
    this.root = options.root;
    this.dbPath = options.dbPath;
    this.actor = options.actor ?? 'cli';
    if (!existsSync(join(this.root, 'versions')) || !existsSync(join(this.root, 'current'))) {
      throw new OutpostError(
        'NOT_FOUND',
        `${this.root} is not an Outpost bundle installation (no versions/ and current); run \`outpost update\` from the bundle's bin/outpost.`,
        { root: this.root },
      );
    }
  }

  /** The running version, as `current` points. */
  currentVersion(): string {
    return basename(readlinkSync(join(this.root, 'current')));
  }

  /** The release key this installation trusts: the one pinned in the running version. */
  pinnedKey(): KeyObject {
    return readPublicKey(join(this.root, 'current', PUBLIC_KEY_FILE));
  }

  status(): { current: string; previous: string | null; versions: string[]; root: string } {
    const state = this.readState();
    return { root: this.root, current: this.currentVersion(), previous: state?.previous ?? null, versions: this.installedVersions() };
  }

  async install(bundlePath: string, signaturePath?: string): Promise<UpdateResult> {
    const started = Date.now();
    return this.locked(async () => {
      const from = this.currentVersion();
      let manifest: BundleManifest;
      try {
        manifest = await verifyBundle(bundlePath, this.pinnedKey(), signaturePath);
      } catch (err) {
        if (err instanceof OutpostError) await this.audit({ action: 'update.refused', target: basename(bundlePath), outcome: 'failed', details: { code: err.code, reason: reasonOf(err), from } });
        throw err;
      }
      const to = manifest.version;
      if (to === from) throw new OutpostError('CONFLICT', `Outpost ${to} is already the running version; nothing to do.`, { version: to });

      const versionDir = this.extract(bundlePath, to);
      const fail = async (message: string, details: Record<string, unknown> = {}): Promise<OutpostError> => {
        if (this.currentVersion() !== to) rmSync(versionDir, { recursive: true, force: true });
        await this.audit({ action: 'update.failed', target: to, outcome: 'failed', details: { from, to, ...details } });
        return new OutpostError('UPDATE_FAILED', `${message} Outpost ${from} keeps running; the store was not changed.`, { from, to, ...details });
      };

      const started2 = this.run(versionDir, ['--version']);
      if (started2.status !== 0 || started2.stdout.trim() !== to) {
        throw await fail(`Outpost ${to} does not start here: ${firstLine(started2.stderr || started2.stdout) || `exit ${started2.status}`}.`, { step: 'start' });
      }

      let schema: UpdateResult['schema'] = null;
      let snapshot: UpdateState['snapshot'] = null;
      if (existsSync(this.dbPath)) {
        snapshot = await this.snapshotStore(from);
        // A rehearsal on a copy first: a migration that fails must fail before the real store is touched.
        const trial = `${snapshot.path}.trial`;
        copyFileSync(snapshot.path, trial);
        const rehearsal = this.migrate(versionDir, trial);
        rmSync(trial, { force: true });
        rmSync(`${trial}-wal`, { force: true });
        rmSync(`${trial}-shm`, { force: true });
        if (!rehearsal.ok) {
          rmSync(snapshot.path, { force: true });
          throw await fail(`Outpost ${to} cannot migrate this store: ${rehearsal.error}.`, { step: 'migrate' });
        }
        const real = this.migrate(versionDir, this.dbPath);
        if (!real.ok) {
          this.restoreStore(snapshot.path);
          throw await fail(`Outpost ${to} failed to migrate the store (restored from ${snapshot.path}): ${real.error}.`, { step: 'migrate' });
        }
        schema = { from: real.from, to: real.to };
      }

      this.switchTo(to);
      const check = spawnSync(join(this.root, 'bin', 'outpost'), ['--version'], { encoding: 'utf8', env: childEnv(), timeout: 60_000 });
      if (check.status !== 0 || check.stdout.trim() !== to) {
        this.switchTo(from);
        if (snapshot) this.restoreStore(snapshot.path);
        throw await fail(`Outpost ${to} did not start through bin/outpost after the switch (${firstLine(check.stderr) || `exit ${check.status}`}); switched back.`, { step: 'switch' });
      }
      const previousState = this.readState();
      this.writeState({ current: to, previous: from, snapshot });
      this.prune([to, from]);
      if (previousState?.snapshot && previousState.snapshot.path !== snapshot?.path) rmSync(previousState.snapshot.path, { force: true });
      await this.audit({ action: 'update.installed', target: to, details: { from, to, sha256: manifest.sha256, keyId: manifest.keyId, schema } });
      return { from, to, schema, snapshot: snapshot?.path ?? null, elapsedMs: Date.now() - started };
    });
  }

  async rollback(): Promise<RollbackResult> {
    return this.locked(async () => {
      const from = this.currentVersion();
      const state = this.readState();
      if (!state?.previous || state.current !== from || !existsSync(join(this.root, 'versions', state.previous))) {
        throw new OutpostError('NOT_FOUND', `No earlier version to roll back to from ${from}: only an \`outpost update\` leaves one.`, { current: from });
      }
      const to = state.previous;
      const versionDir = join(this.root, 'versions', to);
      const check = this.run(versionDir, ['--version']);
      if (check.status !== 0 || check.stdout.trim() !== to) {
        throw new OutpostError('UPDATE_FAILED', `Outpost ${to} does not start here (${firstLine(check.stderr) || `exit ${check.status}`}); ${from} keeps running.`, { from, to });
      }
      let restored: RollbackResult['restored'] = null;
      if (existsSync(this.dbPath) && state.snapshot && state.snapshot.db === this.dbPath) {
        const now = await this.storeSchema(this.dbPath);
        if (now !== state.snapshot.schema) {
          if (!existsSync(state.snapshot.path)) {
            throw new OutpostError('UPDATE_FAILED', `The store is at schema ${now} and its pre-update snapshot ${state.snapshot.path} is gone; ${from} keeps running.`, { from, to });
          }
          // The older version cannot open a newer schema: it gets the store as it was before the
          // update, and what was written since is kept beside it, not deleted.
          const keptAside = `${this.dbPath}.from-${from}-${stamp()}`;
          this.checkpoint(this.dbPath);
          renameSync(this.dbPath, keptAside);
          copyFileSync(state.snapshot.path, this.dbPath);
          restored = { snapshot: state.snapshot.path, keptAside };
        }
      }
      this.switchTo(to);
      this.writeState({ current: to, previous: from, snapshot: null });
      await this.audit({ action: 'update.rollback', target: to, details: { from, to, restored } });
      return { from, to, restored };
    });
  }

  private installedVersions(): string[] {
    return readdirSync(join(this.root, 'versions')).sort();
  }

  /** Unpacks the bundle's version folder into ROOT/versions/V (never over the running one). */
  private extract(bundlePath: string, version: string): string {
    const staging = mkdtempSync(join(this.root, '.staging-'));
    try {
      const tar = spawnSync('tar', ['-xzf', bundlePath, '-C', staging, '--no-same-owner', `outpost/versions/${version}`], { encoding: 'utf8', env: childEnv(), timeout: 600_000 });
      const unpacked = join(staging, 'outpost', 'versions', version);
      if (tar.status !== 0 || !existsSync(join(unpacked, 'BUNDLE.json'))) {
        throw new OutpostError('BUNDLE_UNVERIFIED', `Refused ${bundlePath}: it does not hold version ${version} as its signature says (${firstLine(tar.stderr) || 'no BUNDLE.json'}).`, {
          reason: 'layout',
        });
      }
      const info = bundleInfoSchema.parse(JSON.parse(readFileSync(join(unpacked, 'BUNDLE.json'), 'utf8')));
      if (info.version !== version) {
        throw new OutpostError('BUNDLE_UNVERIFIED', `Refused ${bundlePath}: it holds version ${info.version}, its signature says ${version}.`, { reason: 'layout' });
      }
      const target = join(this.root, 'versions', version);
      // A leftover from an earlier update to the same version (e.g. after a rollback) is replaced.
      rmSync(target, { recursive: true, force: true });
      renameSync(unpacked, target);
      return target;
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  }

  private run(versionDir: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync(join(versionDir, 'node'), [join(versionDir, 'dist', 'cli', 'main.mjs'), ...args], { encoding: 'utf8', env: childEnv(), timeout: 600_000 });
    return { status: r.status, stdout: r.stdout ?? '', stderr: r.error ? r.error.message : (r.stderr ?? '') };
  }

  private migrate(versionDir: string, db: string): { ok: true; from: number; to: number } | { ok: false; error: string } {
    const r = this.run(versionDir, ['--db', db, '--json', 'db', 'migrate']);
    if (r.status !== 0) return { ok: false, error: firstLine(r.stderr).replace(/^outpost: /, '') || `exit ${r.status}` };
    const parsed = migrateReportSchema.safeParse(safeJson(r.stdout));
    return parsed.success ? { ok: true, from: parsed.data.from, to: parsed.data.to } : { ok: false, error: `unexpected output: ${firstLine(r.stdout)}` };
  }

  /** A consistent copy of the live store (SQLite's online backup), kept for rollback. */
  private async snapshotStore(version: string): Promise<NonNullable<UpdateState['snapshot']>> {
    const dir = join(dirname(this.dbPath), 'update-snapshots');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const path = join(dir, `${basename(this.dbPath)}.${version}.${stamp()}`);
    const schema = await backupStore(this.dbPath, path);
    return { path, db: this.dbPath, schema, takenAt: new Date().toISOString() };
  }

  private async storeSchema(path: string): Promise<number> {
    return await storeSchemaVersion(path);
  }

  /** Folds the WAL into the main file so the store is one file that can be moved. */
  private checkpoint(path: string): void {
    settleStoreFile(path);
    rmSync(`${path}-wal`, { force: true });
    rmSync(`${path}-shm`, { force: true });
  }

  private restoreStore(snapshotPath: string): void {
    rmSync(`${this.dbPath}-wal`, { force: true });
    rmSync(`${this.dbPath}-shm`, { force: true });
    const tmp = `${this.dbPath}.restoring`;
    copyFileSync(snapshotPath, tmp);
    renameSync(tmp, this.dbPath);
  }

  /** Points `current` at versions/V: a new symlink renamed over the old one (atomic on POSIX). */
  private switchTo(version: string): void {
    const next = join(this.root, `.current-${process.pid}`);
    rmSync(next, { force: true });
    symlinkSync(join('versions', version), next);
    renameSync(next, join(this.root, 'current'));
  }

  private readState(): UpdateState | null {
    const file = join(this.root, 'update-state.json');
    if (!existsSync(file)) return null;
    const parsed = stateSchema.safeParse(safeJson(readFileSync(file, 'utf8')));
    return parsed.success ? parsed.data : null;
  }

  private writeState(state: UpdateState): void {
    const file = join(this.root, 'update-state.json');
    writeFileSync(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  }

  /** Keeps the running and the rollback version; older ones only take disk. */
  private prune(keep: string[]): void {
    for (const v of this.installedVersions()) if (!keep.includes(v)) rmSync(join(this.root, 'versions', v), { recursive: true, force: true });
  }

  private async locked<T>(work: () => Promise<T>): Promise<T> {
    const lock = join(this.root, '.update.lock');
    let fd: number;
    try {
      fd = openSync(lock, 'wx');
    } catch {
      throw new OutpostError('CONFLICT', `Another update or rollback is running (${lock} exists); if none is, remove that file and retry.`, { lock });
    }
    try {
      return await work();
    } finally {
      closeSync(fd);
      unlinkSync(lock);
    }
  }

  /** Into the store's audit log when there is a store; an install on a new machine has none yet. */
  private async audit(record: Omit<AuditRecord, 'actor'>): Promise<void> {
    if (!existsSync(this.dbPath)) return;
    const store = await openStore(this.dbPath, { skipMigrations: true });
    try {
      await new AuditLog(store.sql).append({ actor: this.actor, ...record });
    } finally {
      await store.close();
    }
  }
}

function reasonOf(err: OutpostError): unknown {
  const parsed = z.object({ reason: z.string() }).safeParse(err.details);
  return parsed.success ? parsed.data.reason : null;
}

function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .find(Boolean) ?? ''
  );
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function stamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-');
}
