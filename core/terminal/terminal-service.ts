import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import type { AuditLog } from '../audit/audit-log.js';
import { OutpostError, toContractError } from '../contract/errors.js';
import type { TerminalInfo } from '../contract/terminal.js';
import type { TerminalClosedInfo } from '../contract/terminal-wire.js';
import { AckWindow } from './ack-window.js';
import type { TerminalSession } from '../exec/terminal-session.js';
import { ReconnectingShell } from '../ssh/reconnecting-shell.js';
import type { SshConnection } from '../ssh/ssh-connection.js';
import type { SessionRecorder, SessionRecording } from './recording/session-recorder.js';

/** What a target resolves to: how to (re)open its session. */
export interface TerminalOpener {
  kind: TerminalInfo['kind'];
  title: string;
  /** Shown in the audit log (never a secret). */
  credential: string;
  open(size: { cols: number; rows: number }): Promise<TerminalSession>;
}

/** One viewer of a terminal's output: a renderer tab behind a WebSocket or a MessagePort. */
export interface TerminalViewer {
  data(chunk: Uint8Array): void;
  closed(info: TerminalClosedInfo): void;
}

export interface TerminalAttachment {
  /** The viewer drew this many more bytes. */
  ack(bytes: number): void;
  detach(): void;
}

export interface TerminalServiceOptions {
  audit: AuditLog;
  /** Where session logs are written. */
  logDir: string;
  onChanged(info: TerminalInfo): void;
  /** Per-viewer window; tests pass small marks. */
  window?: { high: number; low: number };
  /** Records sessions opened with `record` (core/terminal/recording). */
  recorder?: Pick<SessionRecorder, 'start'>;
}

/** Output kept to replay to a viewer that attaches later (a reloaded page, a second window). */
const REPLAY_BYTES = 256 * 1024;
const KEEP_CLOSED = 50;

interface Entry {
  info: TerminalInfo;
  opener: TerminalOpener;
  session: TerminalSession | null;
  unlisten: (() => void)[];
  viewers: Map<TerminalViewer, AckWindow>;
  paused: boolean;
  replay: Buffer[];
  replayBytes: number;
  /** Output bytes since the terminal opened (a re-attaching viewer says how many it has). */
  total: number;
  log: WriteStream | null;
  /** The session's recording (output only), when it is recorded. */
  recording: SessionRecording | null;
}

const now = (): string => new Date().toISOString();

/**
 * The terminals of this process. Output goes only to attached viewers (never through JSON
 * events), with acknowledgement backpressure: the session is paused while any viewer has more than
 * the high-water mark in flight, so a flood waits in the SSH window instead of piling up in memory
 * or in the UI. With no viewer at all (the operator is on another page) the session keeps running,
 * so a remote job never blocks on a hidden tab; the last REPLAY_BYTES wait for the next viewer.
 */
export class TerminalService {
  private readonly entries = new Map<number, Entry>();
  private nextId = 1;

  constructor(private readonly o: TerminalServiceOptions) {}

  async open(opener: TerminalOpener, size: { cols: number; rows: number; log: boolean; record?: boolean }, actor: string): Promise<TerminalInfo> {
    let session: TerminalSession;
    try {
      session = await opener.open(size);
    } catch (err) {
      await this.o.audit.append({ actor, action: 'terminal.open', target: opener.title, outcome: 'failed', details: { kind: opener.kind, credential: opener.credential, code: toContractError(err).code } });
      throw err;
    }
    const id = this.nextId++;
    const entry: Entry = {
      info: { id, title: opener.title, kind: opener.kind, state: 'open', cols: size.cols, rows: size.rows, openedAt: now(), closedAt: null, exit: null, reconnects: 0, logPath: null, error: null, recordingId: null },
      opener,
      session: null,
      unlisten: [],
      viewers: new Map(),
      paused: false,
      replay: [],
      replayBytes: 0,
      total: 0,
      log: null,
      recording: null,
    };
    // Recording starts before the first output is taken (adopt), so the cast has all of it.
    if (size.record && this.o.recorder) {
      try {
        entry.recording = await this.o.recorder.start({ actor, target: opener.title, kind: opener.kind, cols: size.cols, rows: size.rows, notice: (text) => this.notice(entry, text), stop: (error) => this.stopForRecording(entry, error) });
      } catch (err) {
        session.kill();
        throw err;
      }
      entry.info.recordingId = entry.recording?.id ?? null;
    }
    this.entries.set(id, entry);
    this.adopt(entry, session);
    await this.o.audit.append({ actor, action: 'terminal.open', target: opener.title, outcome: 'ok', details: { id, kind: opener.kind, credential: opener.credential, recordingId: entry.info.recordingId } });
    if (size.log) this.startLog(entry);
    this.changed(entry);
    return { ...entry.info };
  }

  list(): TerminalInfo[] {
    return [...this.entries.values()].map((e) => ({ ...e.info }));
  }

  get(id: number): TerminalInfo {
    return { ...this.entry(id).info };
  }

  /** For tests and the status of a tab: is the session held back, how much is in flight per viewer. */
  flow(id: number): { paused: boolean; inFlight: number[] } {
    const e = this.entry(id);
    return { paused: e.paused, inFlight: [...e.viewers.values()].map((w) => w.inFlight) };
  }

  resize(id: number, cols: number, rows: number): TerminalInfo {
    const e = this.entry(id);
    e.info.cols = cols;
    e.info.rows = rows;
    e.session?.resize(cols, rows);
    e.recording?.resize(cols, rows);
    return { ...e.info };
  }

  write(id: number, data: string | Uint8Array): number {
    const e = this.entry(id);
    if (!e.session || e.info.state !== 'open') throw new OutpostError('CONFLICT', `Terminal ${id} (${e.info.title}) is closed; reconnect it first.`);
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    e.session.write(bytes);
    return bytes.length;
  }

  async close(id: number, actor: string): Promise<TerminalInfo> {
    const e = this.entry(id);
    if (e.session) {
      await this.o.audit.append({ actor, action: 'terminal.close', target: e.info.title, outcome: 'ok', details: { id } });
      const session = e.session;
      this.detachSession(e);
      session.kill();
      this.finish(e, { exitCode: null, signal: null });
    }
    return { ...e.info };
  }

  async reconnect(id: number, actor: string): Promise<TerminalInfo> {
    const e = this.entry(id);
    if (e.session) {
      const old = e.session;
      this.detachSession(e);
      old.kill();
    }
    e.info.state = 'connecting';
    e.info.error = null;
    this.changed(e);
    const notice = Buffer.from(`\r\n\x1b[33m[outpost] reconnecting to ${e.info.title}…\x1b[0m\r\n`);
    this.remember(e, notice);
    this.toViewers(e, notice);
    let session: TerminalSession;
    try {
      session = await e.opener.open({ cols: e.info.cols, rows: e.info.rows });
    } catch (err) {
      const error = toContractError(err);
      e.info.error = { code: error.code, message: error.message };
      await this.o.audit.append({ actor, action: 'terminal.reconnect', target: e.info.title, outcome: 'failed', details: { id, code: error.code } });
      this.finish(e, { exitCode: null, signal: null });
      throw err;
    }
    e.info.reconnects++;
    e.info.state = 'open';
    e.info.closedAt = null;
    e.info.exit = null;
    this.adopt(e, session);
    await this.o.audit.append({ actor, action: 'terminal.reconnect', target: e.info.title, outcome: 'ok', details: { id } });
    this.changed(e);
    return { ...e.info };
  }

  setLog(id: number, enabled: boolean): TerminalInfo {
    const e = this.entry(id);
    if (enabled && !e.log) this.startLog(e);
    if (!enabled && e.log) this.stopLog(e);
    this.changed(e);
    return { ...e.info };
  }

  /** Starts streaming a terminal's output to a viewer: the recent output it lacks (`seen`: bytes it has), then live. */
  attach(id: number, seen: number, viewer: TerminalViewer): TerminalAttachment {
    const e = this.entry(id);
    const window = new AckWindow(this.o.window?.high, this.o.window?.low);
    e.viewers.set(viewer, window);
    let at = e.total - e.replayBytes;
    for (const chunk of e.replay) {
      const skip = Math.max(0, Math.min(chunk.length, seen - at));
      at += chunk.length;
      if (skip === chunk.length) continue;
      const part = chunk.subarray(skip);
      window.sent(part.length);
      viewer.data(part);
    }
    if (e.info.state === 'closed') viewer.closed(e.info.exit ?? { exitCode: null, signal: null });
    this.updateFlow(e);
    return {
      ack: (bytes) => {
        window.acked(bytes);
        this.updateFlow(e);
      },
      detach: () => {
        e.viewers.delete(viewer);
        this.updateFlow(e);
      },
    };
  }

  closeAll(): void {
    for (const e of this.entries.values()) {
      const session = e.session;
      if (!session) continue;
      this.detachSession(e);
      session.kill();
      this.finish(e, { exitCode: null, signal: null });
    }
  }

  /** The SSH connection behind an open SSH terminal, for its file pane (same host, same credential). */
  sshConnection(id: number): SshConnection {
    const e = this.entry(id);
    if (e.info.kind !== 'ssh') throw new OutpostError('VALIDATION', `Terminal ${id} is not an SSH terminal; files travel over SFTP, which only SSH sessions have.`);
    const conn = e.session instanceof ReconnectingShell ? e.session.sshConnection : null;
    if (!conn || e.info.state !== 'open') throw new OutpostError('UNREACHABLE', `Terminal ${id} is not connected right now; reconnect it, then browse its files.`);
    return conn;
  }

  private entry(id: number): Entry {
    const e = this.entries.get(id);
    if (!e) throw new OutpostError('NOT_FOUND', `No terminal ${id}: it was closed long ago or belongs to another Outpost process.`);
    return e;
  }

  private adopt(e: Entry, session: TerminalSession): void {
    e.session = session;
    e.paused = false;
    e.unlisten = [
      session.onData((chunk) => {
        if (e.session !== session) return;
        e.log?.write(chunk);
        e.recording?.output(chunk);
        this.remember(e, chunk);
        this.toViewers(e, chunk);
      }),
      session.onClose((reason) => {
        if (e.session !== session) return;
        this.detachSession(e);
        this.finish(e, reason);
      }),
    ];
    this.updateFlow(e);
  }

  private detachSession(e: Entry): void {
    for (const off of e.unlisten) off();
    e.unlisten = [];
    e.session = null;
  }

  private finish(e: Entry, reason: TerminalClosedInfo): void {
    if (e.info.state === 'closed') return;
    e.info.state = 'closed';
    e.info.closedAt = now();
    e.info.exit = { exitCode: reason.exitCode, signal: reason.signal };
    this.stopLog(e);
    const recording = e.recording;
    e.recording = null;
    void recording?.finish().catch(() => undefined);
    for (const viewer of e.viewers.keys()) viewer.closed(reason);
    this.changed(e);
    this.forgetOldClosed();
  }

  private forgetOldClosed(): void {
    const closed = [...this.entries.values()].filter((x) => x.info.state === 'closed');
    for (const old of closed.slice(0, Math.max(0, closed.length - KEEP_CLOSED))) {
      if (old.viewers.size === 0) this.entries.delete(old.info.id);
    }
  }

  /** A line from Outpost itself in the terminal (not recorded: it is not the remote's output). */
  private notice(e: Entry, text: string): void {
    const line = Buffer.from(`\r\n\x1b[33m[outpost] ${text}\x1b[0m\r\n`);
    this.remember(e, line);
    this.toViewers(e, line);
  }

  /** The recording failed and the policy says stop: the session ends with that error. */
  private stopForRecording(e: Entry, error: TerminalInfo['error']): void {
    const session = e.session;
    e.info.error = error;
    if (!session) return;
    this.detachSession(e);
    session.kill();
    this.finish(e, { exitCode: null, signal: null });
  }

  private remember(e: Entry, chunk: Buffer): void {
    e.total += chunk.length;
    e.replay.push(chunk);
    e.replayBytes += chunk.length;
    while (e.replayBytes > REPLAY_BYTES && e.replay.length > 1) e.replayBytes -= e.replay.shift()!.length;
  }

  private toViewers(e: Entry, chunk: Buffer): void {
    for (const [viewer, window] of e.viewers) {
      window.sent(chunk.length);
      viewer.data(chunk);
    }
    this.updateFlow(e);
  }

  private updateFlow(e: Entry): void {
    if (!e.session) return;
    let hold = false;
    for (const w of e.viewers.values()) if (w.saturated) hold = true;
    if (hold === e.paused) return;
    e.paused = hold;
    if (hold) e.session.pause();
    else e.session.resume();
  }

  private startLog(e: Entry): void {
    mkdirSync(this.o.logDir, { recursive: true, mode: 0o700 });
    const path = join(this.o.logDir, `terminal-${e.info.id}-${now().replace(/[:.]/g, '-')}.log`);
    e.log = createWriteStream(path, { flags: 'a', mode: 0o600 });
    e.log.on('error', () => this.stopLog(e));
    e.info.logPath = path;
  }

  private stopLog(e: Entry): void {
    e.log?.end();
    e.log = null;
    e.info.logPath = null;
  }

  private changed(e: Entry): void {
    this.o.onChanged({ ...e.info });
  }
}
