import { copyFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { AuditLog } from '../../audit/audit-log.js';
import { OutpostError, type ContractError } from '../../contract/errors.js';
import type { RecordingInfo } from '../../contract/recordings.js';
import { AsciicastWriter } from './asciicast-writer.js';
import type { RecordingStore } from './recording-store.js';

export interface RecordingPolicy {
  /** What a recording that cannot be written does to its session. */
  onFailure: 'continue' | 'stop';
  /** Keep the recordings within this many MB in total (0: no limit); the oldest go first. */
  maxTotalMB: number;
  /** Delete recordings older than this many days (0: keep). */
  maxDays: number;
}

export interface SessionRecorderOptions {
  dir: string;
  store: RecordingStore;
  audit: AuditLog;
  policy(): Promise<RecordingPolicy>;
}

/** What the terminal service feeds a recording (output only) and how the recording talks back. */
export interface SessionRecording {
  readonly id: number;
  output(chunk: Uint8Array): void;
  resize(cols: number, rows: number): void;
  finish(): Promise<void>;
}

export interface RecordingStart {
  actor: string;
  target: string;
  kind: 'ssh' | 'winrm';
  cols: number;
  rows: number;
  /** Tells the user in the terminal (a write failed, the recording stopped). */
  notice(text: string): void;
  /** Ends the session (onFailure: stop). */
  stop(error: ContractError): void;
}

const reasonOf = (e: OutpostError): string | null => (typeof e.details === 'object' && e.details !== null && 'reason' in e.details && typeof e.details.reason === 'string' ? e.details.reason : null);

const stamp = (d: Date): string => d.toISOString().replace(/[:.]/g, '-');

/**
 * Records terminal sessions to asciicast v2 files in one folder of the data directory, indexes
 * them in the store and keeps them within the retention limits. A recording that cannot be
 * written is one RECORDING_FAILED: at the start it refuses the session (onFailure: stop) or lets
 * it run unrecorded with a notice; midway it stops the session or only the recording.
 */
export class SessionRecorder {
  constructor(private readonly o: SessionRecorderOptions) {}

  get dir(): string {
    return this.o.dir;
  }

  async start(s: RecordingStart): Promise<SessionRecording | null> {
    const policy = await this.o.policy();
    await this.prune(policy).catch(() => undefined);
    const startedAt = new Date();
    const file = `${stamp(startedAt)}-${s.kind}-${s.target.replace(/[^A-Za-z0-9._@-]+/g, '_').slice(0, 80)}.cast`;
    const path = join(this.o.dir, file);
    let failedMidway = false;
    let row: RecordingInfo | null = null;
    let writer: AsciicastWriter;
    try {
      writer = new AsciicastWriter(path, { cols: s.cols, rows: s.rows, title: s.target, timestamp: Math.floor(startedAt.getTime() / 1000) }, (err) => {
        failedMidway = true;
        this.o.audit.append({ actor: s.actor, action: 'terminal.recording', target: s.target, outcome: 'failed', details: { recordingId: row?.id ?? null, code: err.code, reason: reasonOf(err) } }).catch(() => undefined);
        if (policy.onFailure === 'stop') {
          s.notice(`recording failed: ${err.message} The session is stopped (Settings → Recordings: on failure, stop).`);
          s.stop(err.toContract());
        } else s.notice(`recording failed: ${err.message} The session goes on unrecorded.`);
      });
    } catch (err) {
      const e = err instanceof OutpostError ? err : new OutpostError('RECORDING_FAILED', String(err));
      await this.o.audit.append({ actor: s.actor, action: 'terminal.recording', target: s.target, outcome: 'failed', details: { code: e.code, reason: reasonOf(e) } });
      if (policy.onFailure === 'stop') throw e;
      s.notice(`recording failed: ${e.message} The session goes on unrecorded.`);
      return null;
    }
    row = await this.o.store.add({ file, actor: s.actor, target: s.target, kind: s.kind, startedAt: startedAt.toISOString() });
    const id = row.id;
    return {
      id,
      output: (chunk) => writer.output(chunk),
      resize: (cols, rows) => writer.resize(cols, rows),
      finish: async () => {
        const r = await writer.finish();
        const endedAt = new Date().toISOString();
        await this.o.store.finish(id, { endedAt, durationMs: r.durationMs, bytes: r.bytes, errorCode: r.error?.code ?? (failedMidway ? 'RECORDING_FAILED' : null) });
        // The audit row that links the session to its recording: who, where, when, how long.
        await this.o.audit.append({ actor: s.actor, action: 'terminal.recorded', target: s.target, outcome: r.error ? 'failed' : 'ok', details: { recordingId: id, file, startedAt: startedAt.toISOString(), endedAt, durationMs: r.durationMs, bytes: r.bytes } });
        await this.prune(await this.o.policy()).catch(() => undefined);
      },
    };
  }

  /**
   * Deletes finished recordings, oldest first, while the total is over maxTotalMB, and every one
   * older than maxDays. A row whose file is already gone is dropped too.
   */
  async prune(policy?: RecordingPolicy): Promise<{ removed: number }> {
    const p = policy ?? (await this.o.policy());
    const rows = await this.o.store.finishedOldestFirst();
    let total = await this.o.store.totalBytes();
    const limit = p.maxTotalMB > 0 ? p.maxTotalMB * 1024 * 1024 : Infinity;
    const cutoff = p.maxDays > 0 ? Date.now() - p.maxDays * 86_400_000 : -Infinity;
    let removed = 0;
    for (const r of rows) {
      if (total <= limit && Date.parse(r.startedAt) >= cutoff) break;
      rmSync(join(this.o.dir, r.file), { force: true });
      await this.o.store.remove(r.id);
      total -= r.bytes;
      removed++;
    }
    return { removed };
  }

  async list(f: { query?: string | undefined; limit: number }): Promise<RecordingInfo[]> {
    return this.o.store.list(f);
  }

  private async info(id: number): Promise<RecordingInfo> {
    const r = await this.o.store.get(id);
    if (!r) throw new OutpostError('NOT_FOUND', `No recording ${id}: it was deleted (retention) or never existed. List them with outpost recordings list.`);
    return r;
  }

  private pathOf(r: RecordingInfo): string {
    const path = join(this.o.dir, r.file);
    try {
      statSync(path);
    } catch {
      throw new OutpostError('NOT_FOUND', `The file of recording ${r.id} (${r.file}) is gone from ${this.o.dir}.`);
    }
    return path;
  }

  /** A page of a recording's cast text (the host carries at most 1 MiB a message). */
  async read(id: number, offset: number, limit: number): Promise<{ recording: RecordingInfo; cast: string; nextOffset: number | null; size: number }> {
    const recording = await this.info(id);
    const fh = await open(this.pathOf(recording), 'r');
    try {
      const size = (await fh.stat()).size;
      const buf = Buffer.alloc(Math.max(0, Math.min(limit, size - offset)));
      const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
      // End a page on a line break so each page is whole cast lines (a line longer than a page is cut).
      let end = bytesRead;
      if (offset + bytesRead < size) {
        const nl = buf.lastIndexOf(0x0a, bytesRead - 1);
        if (nl >= 0) end = nl + 1;
      }
      return { recording, cast: buf.subarray(0, end).toString('utf8'), nextOffset: offset + end < size ? offset + end : null, size };
    } finally {
      await fh.close();
    }
  }

  async export(id: number, to: string, actor: string): Promise<{ path: string; bytes: number }> {
    const r = await this.info(id);
    const from = this.pathOf(r);
    try {
      copyFileSync(from, to);
    } catch (err) {
      throw new OutpostError('VALIDATION', `Cannot write ${to} (${(err as NodeJS.ErrnoException).code ?? 'error'}). Pick a folder you may write.`);
    }
    await this.o.audit.append({ actor, action: 'recording.export', target: r.target, outcome: 'ok', details: { recordingId: id, to } });
    return { path: to, bytes: statSync(to).size };
  }

  /** Files in the folder (tests, and a check that nothing is kept outside the index). */
  files(): string[] {
    try {
      return readdirSync(this.o.dir).sort();
    } catch {
      return [];
    }
  }
}
