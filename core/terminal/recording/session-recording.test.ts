import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../../test/temp-dir.js';
import { generateKey, sshdAvailable, startSshd, type Sshd } from '../../../test/peers/openssh-server.js';
import { createOutpostCore, type OutpostCore } from '../../server/core.js';
import { defaultKdf } from '../../vault/passphrase-cipher.js';
import type { TerminalInfo } from '../../contract/terminal.js';
import { RecordingStore } from './recording-store.js';
import { SessionRecorder } from './session-recorder.js';

const canRun = sshdAvailable() && process.getuid?.() === 0;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Every line of a cast parsed: the header, then the events. */
function parseCast(text: string): { header: Record<string, unknown>; events: [number, string, string][] } {
  const [first, ...rest] = text.trimEnd().split('\n');
  return { header: JSON.parse(first!) as Record<string, unknown>, events: rest.map((l) => JSON.parse(l) as [number, string, string]) };
}

describe.skipIf(!canRun)('recorded terminal sessions (real sshd, asciicast v2)', () => {
  let dir: ReturnType<typeof tempDir>;
  let core: OutpostCore;
  let sshd: Sshd;
  let dataDir: string;
  const mounts: string[] = [];

  beforeAll(async () => {
    dir = tempDir();
    dataDir = join(dir.path, 'data');
    const key = generateKey(join(dir.path, 'id'));
    sshd = await startSshd({ dir: dir.path, authorizedKeys: [key.publicKey] });
    core = await createOutpostCore({ dataDir, transport: 'test', checkOutputs: true, kdf: { ...defaultKdf, N: 2 ** 10 } });
    await core.dispatch('vault.unlock', { passphrase: 'a long enough passphrase' });
    await core.dispatch('credentials.add', { name: 'lab', username: 'root', secret: { type: 'private-key', privateKey: key.privateKey } });
    await core.services.remote.knownHosts.trust({ host: '127.0.0.1', port: sshd.port, fingerprint: sshd.fingerprint }, 'test');
  }, 30_000);
  afterEach(() => {
    for (const m of mounts.splice(0)) execFileSync('umount', ['-l', m]);
  });
  afterAll(async () => {
    await core?.close();
    sshd?.stop();
    dir?.remove();
  });

  const open = async (record: boolean): Promise<TerminalInfo> => {
    const r = await core.dispatch('terminal.open', { target: { type: 'ssh', host: '127.0.0.1', port: sshd.port, credential: 'lab' }, record });
    if (!r.ok) throw Object.assign(new Error(r.error.message), r.error);
    return r.value as TerminalInfo;
  };
  const watch = (id: number) => {
    let text = '';
    const viewer = core.services.terminals.attach(id, 0, { data: (c) => (text += Buffer.from(c).toString('utf8')), closed: () => undefined });
    return {
      text: () => text,
      until: async (s: string, ms = 10_000) => {
        for (let t = 0; t < ms && !text.includes(s); t += 25) {
          viewer.ack(1e9);
          await sleep(25);
        }
        expect(text).toContain(s);
      },
      detach: () => viewer.detach(),
    };
  };

  it('records output only (a password typed at a silent prompt is not in the file), 0600, with the audit row saying who, where, when and how long', async () => {
    const info = await open(true);
    expect(info.recordingId).not.toBeNull();
    const v = watch(info.id);
    await core.dispatch('terminal.write', { id: info.id, data: "stty -echo; printf 'Secret: '; read -r PW; stty echo; echo; echo \"len=${#PW}\"\r" });
    // The prompt itself (after "\r"), not the echo of the command line: typed ahead, the tty would echo the secret.
    await v.until('\rSecret: ');
    await core.dispatch('terminal.write', { id: info.id, data: 'hunter2-typed-secret\r' });
    await v.until('len=20');
    await core.dispatch('terminal.resize', { id: info.id, cols: 100, rows: 30 });
    await core.dispatch('terminal.close', { id: info.id });
    v.detach();
    let rec = await core.services.recorder.list({ limit: 10 });
    for (let i = 0; i < 100 && rec[0]?.endedAt === null; i++) {
      await sleep(20);
      rec = await core.services.recorder.list({ limit: 10 });
    }
    const r = rec.find((x) => x.id === info.recordingId)!;
    expect(r).toMatchObject({ kind: 'ssh', target: `root@127.0.0.1:${sshd.port}`, errorCode: null });
    expect(r.durationMs).toBeGreaterThan(0);
    const path = join(dataDir, 'recordings', r.file);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(dataDir, 'recordings')).mode & 0o777).toBe(0o700);
    const text = readFileSync(path, 'utf8');
    const cast = parseCast(text);
    expect(cast.header).toMatchObject({ version: 2, width: 80, height: 24 });
    const out = cast.events.filter((e) => e[1] === 'o').map((e) => e[2]).join('');
    expect(out).toContain('Secret: ');
    expect(out).toContain('len=20');
    expect(text).not.toContain('hunter2-typed-secret');
    expect(cast.events.some((e) => e[1] === 'r' && e[2] === '100x30')).toBe(true);
    // Times only go forward.
    expect(cast.events.every((e, i) => i === 0 || e[0] >= cast.events[i - 1]![0])).toBe(true);
    expect(r.bytes).toBe(statSync(path).size);
    const audit = (await core.services.audit.list({ limit: 50 })).entries;
    expect(audit.find((a) => a.action === 'terminal.recorded' && (a.details as { recordingId?: number }).recordingId === r.id)).toMatchObject({ outcome: 'ok', target: r.target });
    expect(audit.find((a) => a.action === 'terminal.open' && (a.details as { recordingId?: number }).recordingId === r.id)).toBeTruthy();
    // Played back through the contract, and exported.
    const got = await core.dispatch('recording.get', { id: r.id });
    expect(got).toMatchObject({ ok: true, value: { cast: text, nextOffset: null } });
    const to = join(dir.path, 'export.cast');
    expect(await core.dispatch('recording.export', { id: r.id, to })).toMatchObject({ ok: true, value: { path: to, bytes: text.length } });
  }, 30_000);

  it('"ask" records only when the open asks; "off" never, "always" always', async () => {
    const a = await open(false);
    expect(a.recordingId).toBeNull();
    await core.dispatch('terminal.close', { id: a.id });
    await core.dispatch('settings.update', { recordTerminals: 'always' });
    const b = await open(false);
    expect(b.recordingId).not.toBeNull();
    await core.dispatch('terminal.close', { id: b.id });
    await core.dispatch('settings.update', { recordTerminals: 'off' });
    const c = await open(true);
    expect(c.recordingId).toBeNull();
    await core.dispatch('terminal.close', { id: c.id });
    await core.dispatch('settings.update', { recordTerminals: 'ask' });
  }, 30_000);

  it('a disk that fills midway: one RECORDING_FAILED; the session goes on ("continue") or stops ("stop")', async () => {
    const recordings = join(dataDir, 'recordings');
    mkdirSync(recordings, { recursive: true });
    // A real full disk: a 256 KiB tmpfs over the recordings folder.
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k,mode=0700', 'tmpfs', recordings]);
    mounts.push(recordings);
    const flood = 'head -c 3000000 /dev/zero | od -v | tail -n 1; echo flood-done\r';

    const info = await open(true);
    const v = watch(info.id);
    await core.dispatch('terminal.write', { id: info.id, data: flood.replace('tail -n 1', 'cat') });
    await v.until('recording failed', 20_000);
    await v.until('flood-done', 20_000);
    expect(v.text().match(/recording failed/g)).toHaveLength(1);
    expect(v.text()).toContain('the disk is full');
    expect(core.services.terminals.get(info.id).state).toBe('open');
    await core.dispatch('terminal.close', { id: info.id });
    v.detach();

    await core.dispatch('settings.update', { recordingOnFailure: 'stop' });
    try {
      // The tmpfs is still full: now the session is refused at once, with the same code.
      const refused = await core.dispatch('terminal.open', { target: { type: 'ssh', host: '127.0.0.1', port: sshd.port, credential: 'lab' }, record: true });
      expect(refused).toMatchObject({ ok: false, error: { code: 'RECORDING_FAILED' } });
      execFileSync('umount', ['-l', recordings]);
      mounts.pop();
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k,mode=0700', 'tmpfs', recordings]);
      mounts.push(recordings);
      const stopped = await open(true);
      const w = watch(stopped.id);
      await core.dispatch('terminal.write', { id: stopped.id, data: flood.replace('tail -n 1', 'cat') });
      for (let i = 0; i < 400 && core.services.terminals.get(stopped.id).state !== 'closed'; i++) await sleep(25);
      expect(core.services.terminals.get(stopped.id)).toMatchObject({ state: 'closed', error: { code: 'RECORDING_FAILED' } });
      w.detach();
    } finally {
      await core.dispatch('settings.update', { recordingOnFailure: 'continue' });
    }
    const failed = (await core.services.audit.list({ limit: 100 })).entries.filter((a) => a.action === 'terminal.recording' && a.outcome === 'failed');
    expect(failed.length).toBeGreaterThanOrEqual(3);
  }, 60_000);
});

describe('recording retention (real SQLite store)', () => {
  it('deletes the oldest first past the size limit, and everything older than the day limit', async () => {
    const dir = tempDir();
    const core = await createOutpostCore({ dataDir: join(dir.path, 'data'), transport: 'test' });
    try {
      const recordings = join(dir.path, 'rec');
      mkdirSync(recordings);
      const store = new RecordingStore(core.sql);
      const mb = 1024 * 1024;
      const add = async (file: string, startedAt: string, bytes: number) => {
        writeFileSync(join(recordings, file), Buffer.alloc(bytes));
        const r = await store.add({ file, actor: 'op', target: 'root@h:22', kind: 'ssh', startedAt });
        await store.finish(r.id, { endedAt: startedAt, durationMs: 1000, bytes, errorCode: null });
      };
      const day = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString();
      await add('a.cast', day(100), mb);
      await add('b.cast', day(3), mb);
      await add('c.cast', day(2), mb);
      await add('d.cast', day(1), mb);
      const recorder = new SessionRecorder({ dir: recordings, store, audit: core.services.audit, policy: async () => ({ onFailure: 'continue', maxTotalMB: 2, maxDays: 30 }) });
      expect(await recorder.prune()).toEqual({ removed: 2 });
      expect(recorder.files()).toEqual(['c.cast', 'd.cast']);
      expect((await store.list({ limit: 10 })).map((r) => r.file)).toEqual(['d.cast', 'c.cast']);
      const keepAll = new SessionRecorder({ dir: recordings, store, audit: core.services.audit, policy: async () => ({ onFailure: 'continue', maxTotalMB: 0, maxDays: 0 }) });
      expect(await keepAll.prune()).toEqual({ removed: 0 });
    } finally {
      await core.close();
      dir.remove();
    }
  });
});
