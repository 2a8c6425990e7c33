import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { startWsmanServer, type WsmanServer } from '../../test/peers/wsman-test-server.js';
import { tempDir } from '../../test/temp-dir.js';
import { createOutpostCore, type OutpostCore } from '../server/core.js';
import { defaultKdf } from '../vault/passphrase-cipher.js';
import { AckWindow } from './ack-window.js';

describe('ack window', () => {
  it('saturates past the high-water mark and clears only below the low-water mark', () => {
    const w = new AckWindow(100, 40);
    w.sent(90);
    expect(w.saturated).toBe(false);
    w.sent(20);
    expect(w.saturated).toBe(true);
    w.acked(50); // 60 in flight: still above low water
    expect(w.saturated).toBe(true);
    w.acked(30);
    expect(w.saturated).toBe(false);
    w.acked(10_000); // more than was sent: counts as everything drawn, never negative
    expect(w.inFlight).toBe(0);
  });
});

describe('PowerShell console over WinRM (own WS-Man test server)', () => {
  let dir: ReturnType<typeof tempDir>;
  let core: OutpostCore;
  let wsman: WsmanServer;

  beforeEach(async () => {
    dir = tempDir();
    core = await createOutpostCore({ dataDir: join(dir.path, 'data'), transport: 'test', checkOutputs: true, kdf: { ...defaultKdf, N: 2 ** 10 } });
    await core.dispatch('vault.unlock', { passphrase: 'a long enough passphrase' });
    wsman = await startWsmanServer({ auth: 'ntlm', user: 'Administrator', password: 'w1n-Console!', commands: {} });
    await core.dispatch('credentials.add', { name: 'win', username: 'Administrator', secret: { type: 'password', password: 'w1n-Console!' } });
    await core.dispatch('credentials.add', { name: 'wrong', username: 'Administrator', secret: { type: 'password', password: 'not-it' } });
  });
  afterEach(async () => {
    await core.close();
    await wsman.stop();
    dir.remove();
  });

  it('edits the line locally, runs it as PowerShell and streams the output; replays only what a re-attaching viewer lacks', async () => {
    const opened = await core.dispatch('terminal.open', { target: { type: 'winrm', url: wsman.url, credential: 'win', auth: 'ntlm' } });
    expect(opened).toMatchObject({ ok: true, value: { kind: 'winrm', state: 'open' } });
    const id = (opened as { value: { id: number } }).value.id;
    const terminals = core.services.terminals;
    let text = '';
    const viewer = terminals.attach(id, 0, { data: (c) => (text += Buffer.from(c).toString('utf8')), closed: () => undefined });
    const until = async (s: string): Promise<void> => {
      for (let i = 0; i < 200 && !text.includes(s); i++) await new Promise((r) => setTimeout(r, 25));
      expect(text).toContain(s);
    };
    await until('PS>');
    // "Get-Dx", backspace, "ate", Enter: the server receives exactly "Get-Date".
    await core.dispatch('terminal.write', { id, data: 'Get-Dx\x7fate\r' });
    await until('ps:Get-Date\r\n');
    expect(wsman.log.powershellScripts).toContain('Get-Date');
    viewer.ack(1e9);
    viewer.detach();

    // A viewer that already has everything but the last 3 bytes gets exactly those 3.
    const seen = Buffer.byteLength(text);
    let again = '';
    const second = terminals.attach(id, seen - 3, { data: (c) => (again += Buffer.from(c).toString('utf8')), closed: () => undefined });
    expect(again).toBe(text.slice(-3));
    second.detach();
    expect(await core.dispatch('terminal.close', { id })).toMatchObject({ ok: true, value: { state: 'closed' } });
  });

  it('refuses a wrong password at open, with the WinRM code and no secret in the message or the audit log', async () => {
    const r = await core.dispatch('terminal.open', { target: { type: 'winrm', url: wsman.url, credential: 'wrong', auth: 'ntlm' } });
    expect(r).toMatchObject({ ok: false, error: { code: 'WINRM_AUTH' } });
    expect(JSON.stringify(r)).not.toContain('not-it');
    expect(JSON.stringify(await core.services.audit.list({ limit: 100 }))).not.toContain('not-it');
    expect(core.services.terminals.list()).toEqual([]);
  });
});
