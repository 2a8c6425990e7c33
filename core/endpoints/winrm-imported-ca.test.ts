import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startWsmanServer, type WsmanServer } from '../../test/peers/wsman-test-server.js';
import { tempDir } from '../../test/temp-dir.js';
import { createOutpostCore, type OutpostCore } from '../server/core.js';
import { defaultKdf } from '../vault/passphrase-cipher.js';

/**
 * Enrollment and the WinRM console reach WinRM through the endpoint layer, so a CA imported into
 * Outpost is trusted there as it is by `winrm.exec` (before, both built their client without it and
 * a self-signed HTTPS listener failed). Own WS-Man test server over HTTPS: a mock of the protocol
 * (winrmtest has no TLS and no authentication).
 */
describe('WinRM over HTTPS with an imported CA: enrollment and the console (own WS-Man test server, a mock)', () => {
  let dir: ReturnType<typeof tempDir>;
  let core: OutpostCore;
  let wsman: WsmanServer;

  beforeEach(async () => {
    dir = tempDir();
    core = await createOutpostCore({ dataDir: dir.path, transport: 'test', checkOutputs: true, kdf: { ...defaultKdf, N: 2 ** 10 }, passphrase: 'winrm endpoints passphrase' });
    wsman = await startWsmanServer({ auth: 'ntlm', user: 'Administrator', password: 'w1n-Secret!', commands: {}, tls: { dir: dir.path } });
    expect((await core.dispatch('credentials.add', { name: 'win', username: 'Administrator', secret: { type: 'password', password: 'w1n-Secret!' } })).ok).toBe(true);
  });
  afterEach(async () => {
    await wsman.stop();
    await core.close();
    dir.remove();
  });

  const trustCa = async (): Promise<void> => {
    const trusted = await core.dispatch('certificates.trust', { pem: wsman.certificate! });
    expect(trusted.ok, JSON.stringify(trusted)).toBe(true);
  };

  it('enrollment runs its PowerShell in a guest whose HTTPS listener is signed by an imported CA, and refuses it before', async () => {
    const port = Number(new URL(wsman.url).port);
    const guest = { family: 'windows' as const, host: '127.0.0.1', port, user: 'Administrator', auth: { type: 'password' as const, password: 'w1n-Secret!' } };
    await expect(core.services.enrollment.guests.run(guest, 'hostname')).rejects.toMatchObject({ code: 'UNREACHABLE', message: expect.stringContaining('certificate is not trusted') as unknown as string });
    expect(wsman.log.shellsCreated).toBe(0);

    await trustCa();
    const r = await core.services.enrollment.guests.run(guest, 'hostname', { GREETING: 'hi' });
    expect(r.exitCode).toBe(0);
    expect(wsman.log.powershellScripts.at(-1)).toContain("$env:GREETING = 'hi'");
  });

  it('the WinRM console opens on such a listener once its CA is imported, and fails with a clear error before', async () => {
    const open = () => core.dispatch('terminal.open', { target: { type: 'winrm', url: wsman.url, credential: 'win', auth: 'ntlm' } });
    expect(await open()).toMatchObject({ ok: false, error: { code: 'UNREACHABLE', message: expect.stringContaining('certificate is not trusted') as unknown as string } });

    await trustCa();
    const opened = await open();
    expect(opened).toMatchObject({ ok: true, value: { kind: 'winrm', state: 'open' } });
    expect(wsman.log.powershellScripts).toContain('$null');
  });
});
