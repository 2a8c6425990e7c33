import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { tempDir } from '../../test/temp-dir.js';
import { startWinrmtest, winrmtestAvailable } from '../../test/peers/winrmtest.js';
import { startWsmanServer, type WsmanServer } from '../../test/peers/wsman-test-server.js';
import { NtlmIntegrityError } from './ntlm-session.js';
import { WinrmClient } from './winrm-client.js';

const user = 'LAB\\operator';
const password = `Wr-${Math.random().toString(36).slice(2)}-pässwörd`;

const commands = {
  'echo hello': { chunks: [{ stdout: 'hello\r\n' }], exitCode: 0 },
  'streamed': { chunks: [{ stdout: 'part-1\r\n' }, { stderr: 'warning: careful\r\n' }, { stdout: 'part-2 grüße ✓\r\n' }, { stdout: 'part-3\r\n' }], exitCode: 4 },
  'never-ends': { chunks: [], exitCode: 0, hang: true },
  'access-denied': { chunks: [], exitCode: 0, fault: { code: '5', subcode: 'w:AccessDenied', message: 'Access is denied.' } },
  'garbage': { chunks: [], exitCode: 0, garbage: true },
};

describe('WinRM client against the own WS-Man test server (Basic over HTTP)', () => {
  let server: WsmanServer;
  beforeAll(async () => {
    server = await startWsmanServer({ auth: 'basic', user, password, commands });
  });
  afterAll(() => server?.stop());

  it('own WS-Man test server: creates a UTF-8 shell, runs, streams over several Receives with stderr, exit code, deletes the shell', async () => {
    const client = new WinrmClient({ url: server.url, user, password });
    const r = await client.run('streamed');
    client.close();
    expect(r).toMatchObject({ exitCode: 4, stdout: 'part-1\r\npart-2 grüße ✓\r\npart-3\r\n', stderr: 'warning: careful\r\n', receives: 4 });
    expect(server.log.codePages).toEqual(['65001']);
    expect(server.log).toMatchObject({ shellsCreated: 1, shellsDeleted: 1, signals: 1 });
  });

  it('own WS-Man test server: PowerShell goes as -EncodedCommand (UTF-16LE base64) and arrives intact', async () => {
    const client = new WinrmClient({ url: server.url, user, password });
    const script = `Get-Process | Where-Object { $_.Name -eq "svc'x" } ; Write-Output 'ü'`;
    const r = await client.runPowerShell(script);
    client.close();
    expect(server.log.powershellScripts.at(-1)).toBe(script);
    expect(r.stdout).toBe(`ps:${script}\r\n`);
  });

  it('own WS-Man test server: a wrong password is WINRM_AUTH and never shows the password', async () => {
    const client = new WinrmClient({ url: server.url, user, password: 'wrong-password-123' });
    const err = await client.run('echo hello').catch((e: unknown) => e);
    client.close();
    expect(err).toMatchObject({ code: 'WINRM_AUTH' });
    expect(JSON.stringify(err) + String(err)).not.toContain('wrong-password-123');
  });

  it('own WS-Man test server: a WSManFault becomes WINRM_FAULT with its code and message; the shell is still deleted', async () => {
    const client = new WinrmClient({ url: server.url, user, password });
    const before = server.log.shellsDeleted;
    const err = await client.run('access-denied').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'WINRM_FAULT', details: { wsmanCode: '5', subcode: 'w:AccessDenied', reason: 'Access is denied.' } });
    const unknown = await client.run('nosuch.exe').catch((e: unknown) => e);
    expect(unknown).toMatchObject({ code: 'WINRM_FAULT' });
    expect((unknown as Error).message).toContain('is not recognized');
    const garbage = await client.run('garbage').catch((e: unknown) => e);
    expect(garbage).toMatchObject({ code: 'WINRM_FAULT' });
    expect((garbage as Error).message).toMatch(/SOAP envelope|not XML/);
    client.close();
    expect(server.log.shellsDeleted - before).toBe(3);
  });

  it('own WS-Man test server: a command that never ends is terminated at the timeout (TimedOut Receives are retried until then)', async () => {
    const client = new WinrmClient({ url: server.url, user, password, operationTimeoutS: 1 });
    const signals = server.log.signals;
    const t0 = performance.now();
    const err = await client.run('never-ends', [], { timeoutMs: 2500 }).catch((e: unknown) => e);
    client.close();
    expect(err).toMatchObject({ code: 'TIMEOUT' });
    expect(performance.now() - t0).toBeLessThan(6000);
    expect(server.log.signals).toBe(signals + 1);
  });

  it('reports a closed port as UNREACHABLE', async () => {
    const client = new WinrmClient({ url: 'http://127.0.0.1:1/wsman', user, password });
    await expect(client.run('echo hello')).rejects.toMatchObject({ code: 'UNREACHABLE' });
    client.close();
  });
});

describe('WinRM client against the own WS-Man test server (NTLMv2, HTTPS)', () => {
  let ntlm: WsmanServer;
  let tlsServer: WsmanServer;
  let dir: ReturnType<typeof tempDir>;
  beforeAll(async () => {
    dir = tempDir();
    ntlm = await startWsmanServer({ auth: 'ntlm', user: 'operator', password, commands });
    tlsServer = await startWsmanServer({ auth: 'basic', user, password, commands, tls: { dir: dir.path } });
  });
  afterAll(async () => {
    await ntlm?.stop();
    await tlsServer?.stop();
    dir?.remove();
  });

  it('own WS-Man test server: authenticates with NTLMv2 (the server checks the NTProofStr), and refuses a wrong password', async () => {
    const client = new WinrmClient({ url: ntlm.url, user, password, auth: 'ntlm' });
    const r = await client.run('echo hello');
    client.close();
    expect(r).toMatchObject({ exitCode: 0, stdout: 'hello\r\n' });
    expect(ntlm.log.ntlmUsers[0]).toBe('LAB\\operator');
    const bad = new WinrmClient({ url: ntlm.url, user, password: 'nope', auth: 'ntlm' });
    await expect(bad.run('echo hello')).rejects.toMatchObject({ code: 'WINRM_AUTH' });
    bad.close();
  });

  it('own WS-Man test server: Basic over HTTPS trusts only the given CA; an untrusted certificate is refused', async () => {
    const untrusted = new WinrmClient({ url: tlsServer.url, user, password });
    const err = await untrusted.run('echo hello').catch((e: unknown) => e);
    untrusted.close();
    expect(err).toMatchObject({ code: 'UNREACHABLE' });
    expect((err as Error).message).toMatch(/not trusted/);
    const client = new WinrmClient({ url: tlsServer.url, user, password, ca: tlsServer.certificate! });
    expect((await client.run('echo hello')).stdout).toBe('hello\r\n');
    client.close();
  });
});

describe('WinRM client against the own WS-Man test server (NTLM message encryption, AllowUnencrypted=false)', () => {
  const bigOutput = Array.from({ length: 900 }, (_, i) => `line ${String(i).padStart(4, '0')} ${'x'.repeat(40)} ✓`).join('\r\n') + '\r\n';
  const sealedCommands = {
    ...commands,
    'big-output': { chunks: [{ stdout: bigOutput }], exitCode: 0 },
    'tampered': { chunks: [{ stdout: 'never seen' }], exitCode: 0, tamperSignature: true },
  };
  let server: WsmanServer;
  let tlsServer: WsmanServer;
  let dir: ReturnType<typeof tempDir>;
  beforeAll(async () => {
    dir = tempDir();
    server = await startWsmanServer({ auth: 'ntlm', user: 'operator', password, commands: sealedCommands, requireEncryption: true, replyChunkSize: 16 * 1024 });
    tlsServer = await startWsmanServer({ auth: 'ntlm', user: 'operator', password, commands: sealedCommands, requireEncryption: true, tls: { dir: dir.path } });
  });
  afterAll(async () => {
    await server?.stop();
    await tlsServer?.stop();
    dir?.remove();
  });

  it('own WS-Man test server: NTLM over HTTP seals every message by default; Create, Command, Receives, Signal, Delete round trip on one authenticated connection', async () => {
    const client = new WinrmClient({ url: server.url, user, password, auth: 'ntlm' });
    expect(client.encrypted).toBe(true);
    const r = await client.run('streamed');
    client.close();
    expect(r).toMatchObject({ exitCode: 4, stdout: 'part-1\r\npart-2 grüße ✓\r\npart-3\r\n', stderr: 'warning: careful\r\n', receives: 4 });
    expect(server.log).toMatchObject({ shellsCreated: 1, shellsDeleted: 1, signals: 1, plainRefused: 0, integrityFailures: 0 });
    // Create + Command + 4 Receives + Signal + Delete, all sealed both ways, after one NTLM handshake.
    expect(server.log.encryptedRequests).toBe(8);
    expect(server.log.encryptedReplies).toBe(8);
    expect(server.log.ntlmUsers).toEqual(['LAB\\operator']);
  });

  it('own WS-Man test server: two commands at once on one client stay in sealing order', async () => {
    const client = new WinrmClient({ url: server.url, user, password, auth: 'ntlm' });
    const failures = server.log.integrityFailures;
    const [a, b] = await Promise.all([client.run('streamed'), client.run('echo hello')]);
    client.close();
    expect(a.stdout).toBe('part-1\r\npart-2 grüße ✓\r\npart-3\r\n');
    expect(b.stdout).toBe('hello\r\n');
    expect(server.log.integrityFailures).toBe(failures);
  });

  it('own WS-Man test server: messages larger than 16 KB go sealed both ways (reply in 16 KB parts, multipart/x-multi-encrypted)', async () => {
    const client = new WinrmClient({ url: server.url, user, password, auth: 'ntlm' });
    const script = Array.from({ length: 400 }, (_, i) => `Write-Output 'entry ${i}: ${'ä'.repeat(20)}'`).join('\n');
    const ps = await client.runPowerShell(script);
    expect(Buffer.byteLength(script, 'utf16le')).toBeGreaterThan(16 * 1024);
    expect(server.log.powershellScripts.at(-1)).toBe(script);
    expect(ps.stdout).toBe(`ps:${script}\r\n`);
    const big = await client.run('big-output');
    client.close();
    expect(Buffer.byteLength(big.stdout)).toBeGreaterThan(3 * 16 * 1024);
    expect(big.stdout).toBe(bigOutput);
    expect(server.log.multiPartReplies).toBeGreaterThanOrEqual(2);
    expect(server.log.integrityFailures).toBe(0);
  });

  it('own WS-Man test server: a tampered reply signature is a clear WINRM_FAULT; nothing of it is used and the shell is still deleted', async () => {
    const client = new WinrmClient({ url: server.url, user, password, auth: 'ntlm' });
    const deleted = server.log.shellsDeleted;
    const err = await client.run('tampered').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NtlmIntegrityError);
    expect(err).toMatchObject({ code: 'WINRM_FAULT', details: { integrity: 'NTLM_SIGNATURE_MISMATCH' } });
    expect((err as Error).message).toMatch(/^WinRM 127\.0\.0\.1:\d+: an encrypted message failed its NTLM signature check/);
    expect(server.log.shellsDeleted).toBe(deleted + 1); // cleanup ran on a fresh security context
    expect((await client.run('echo hello')).stdout).toBe('hello\r\n');
    client.close();
  });

  it('own WS-Man test server: when the server drops the connection, the client authenticates the new one and seals with a new context', async () => {
    const client = new WinrmClient({ url: server.url, user, password, auth: 'ntlm' });
    expect((await client.run('echo hello')).stdout).toBe('hello\r\n');
    const keys = server.log.sessionKeys.length;
    server.dropConnections();
    await new Promise((r) => setTimeout(r, 50));
    expect((await client.run('echo hello')).stdout).toBe('hello\r\n');
    client.close();
    expect(server.log.sessionKeys.length).toBe(keys + 1);
    expect(new Set(server.log.sessionKeys).size).toBe(server.log.sessionKeys.length); // a fresh random key each time
  });

  it('own WS-Man test server: refuses an unencrypted body with 400, which the client explains', async () => {
    const client = new WinrmClient({ url: server.url, user, password, auth: 'ntlm', encryption: 'never' });
    expect(client.encrypted).toBe(false);
    const refused = server.log.plainRefused;
    const err = await client.run('echo hello').catch((e: unknown) => e);
    client.close();
    expect(err).toMatchObject({ code: 'WINRM_FAULT', details: { status: 400 } });
    expect((err as Error).message).toMatch(/refused an unencrypted message \(HTTP 400\).*AllowUnencrypted=false/);
    expect(server.log.plainRefused).toBe(refused + 1);
    expect(() => new WinrmClient({ url: server.url, user, password, encryption: 'always' })).toThrow(/needs NTLM/);
  });

  it('own WS-Man test server: over HTTPS, auto leaves sealing to TLS; "always" seals inside TLS too', async () => {
    const auto = new WinrmClient({ url: tlsServer.url, user, password, auth: 'ntlm', ca: tlsServer.certificate! });
    expect(auto.encrypted).toBe(false);
    auto.close();
    const client = new WinrmClient({ url: tlsServer.url, user, password, auth: 'ntlm', ca: tlsServer.certificate!, encryption: 'always' });
    expect((await client.run('echo hello')).stdout).toBe('hello\r\n');
    client.close();
    expect(tlsServer.log.encryptedRequests).toBeGreaterThan(0);
  });

  it('own WS-Man test server: no password or session key appears in any error text or log output', async () => {
    const written: string[] = [];
    const spies = [
      vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void written.push(a.map(String).join(' '))),
      vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void written.push(a.map(String).join(' '))),
      vi.spyOn(console, 'warn').mockImplementation((...a: unknown[]) => void written.push(a.map(String).join(' '))),
    ];
    const errors: unknown[] = [];
    try {
      const wrong = new WinrmClient({ url: server.url, user, password: `${password}-wrong`, auth: 'ntlm' });
      errors.push(await wrong.run('echo hello').catch((e: unknown) => e));
      wrong.close();
      const client = new WinrmClient({ url: server.url, user, password, auth: 'ntlm' });
      errors.push(await client.run('tampered').catch((e: unknown) => e));
      errors.push(await client.run('access-denied').catch((e: unknown) => e));
      errors.push(await client.run('garbage').catch((e: unknown) => e));
      client.close();
      const plain = new WinrmClient({ url: server.url, user, password, auth: 'ntlm', encryption: 'never' });
      errors.push(await plain.run('echo hello').catch((e: unknown) => e));
      plain.close();
    } finally {
      spies.forEach((s) => s.mockRestore());
    }
    expect(errors.map((e) => (e as { code?: string }).code)).toEqual(['WINRM_AUTH', 'WINRM_FAULT', 'WINRM_FAULT', 'WINRM_FAULT', 'WINRM_FAULT']);
    const text = [...written, ...errors.map((e) => `${String(e)} ${(e as Error).stack ?? ''} ${JSON.stringify(e)} ${JSON.stringify((e as { details?: unknown }).details ?? null)}`)].join('\n');
    expect(server.log.sessionKeys.length).toBeGreaterThan(3);
    const secrets = [password, `${password}-wrong`, Buffer.from(password, 'utf16le').toString('base64'), ...server.log.sessionKeys.flatMap((k) => [k, Buffer.from(k, 'hex').toString('base64')])];
    for (const secret of secrets) expect(text).not.toContain(secret);
  });
});

describe.skipIf(!winrmtestAvailable())('WinRM client against winrmtest (Debian golang-github-dylanmei-winrmtest-dev)', () => {
  let peer: { url: string; stop(): void };
  beforeAll(async () => {
    peer = await startWinrmtest();
  }, 60_000);
  afterAll(() => peer?.stop());

  it('runs the basic shell flow: output and exit codes', async () => {
    const client = new WinrmClient({ url: peer.url, user: 'any', password: 'any' });
    const t0 = performance.now();
    expect(await client.run('echo hello-winrm')).toMatchObject({ exitCode: 0, stdout: 'hello-winrm\r\n' });
    const ms = performance.now() - t0;
    expect(await client.run('exit /b 3')).toMatchObject({ exitCode: 3 });
    expect(await client.runPowerShell('Write-Output ok')).toMatchObject({ exitCode: 0, stdout: 'ps-ok\r\n' });
    await expect(client.run('unknown-command')).rejects.toMatchObject({ code: 'WINRM_FAULT' });
    client.close();
    console.log(`winrm run (create, command, receive, signal, delete) on winrmtest: ${ms.toFixed(1)} ms`);
  });
});
