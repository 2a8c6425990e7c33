import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rootCertificates } from 'node:tls';
import { startWsmanServer, type WsmanServer } from '../../test/peers/wsman-test-server.js';
import { tempDir } from '../../test/temp-dir.js';
import { createOutpostCore, type OutpostCore } from '../server/core.js';
import { caBundle } from '../trust/ca-bundle.js';
import { defaultKdf } from '../vault/passphrase-cipher.js';

describe('caBundle', () => {
  it('keeps the system roots beside the imported CAs and the call’s own CA (Node’s ca option replaces its defaults)', () => {
    const bundle = caBundle(['IMPORTED'], 'EXTRA');
    expect(bundle.slice(0, rootCertificates.length)).toEqual([...rootCertificates]);
    expect(bundle.slice(rootCertificates.length)).toEqual(['IMPORTED', 'EXTRA']);
    expect(caBundle([])).toHaveLength(rootCertificates.length);
  });
});

describe('WinRM over HTTPS trusts the CAs imported into Outpost (own WS-Man test server, a mock of the protocol)', () => {
  let dir: ReturnType<typeof tempDir>;
  let core: OutpostCore;
  let wsman: WsmanServer;

  beforeEach(async () => {
    dir = tempDir();
    core = await createOutpostCore({ dataDir: dir.path, transport: 'test', checkOutputs: true, kdf: { ...defaultKdf, N: 2 ** 10 }, passphrase: 'winrm trust passphrase' });
    wsman = await startWsmanServer({ auth: 'ntlm', user: 'Administrator', password: 'w1n-Secret!', commands: { hostname: { chunks: [{ stdout: 'WIN-TLS\r\n' }], exitCode: 0 } }, tls: { dir: dir.path } });
    const added = await core.dispatch('credentials.add', { name: 'win', username: 'Administrator', secret: { type: 'password', password: 'w1n-Secret!' } });
    expect(added.ok).toBe(true);
  });
  afterEach(async () => {
    await wsman.stop();
    await core.close();
    dir.remove();
  });

  it('refuses the untrusted certificate, then connects once its CA is trusted in Outpost, and refuses again after untrust', async () => {
    const run = () => core.dispatch('winrm.exec', { url: wsman.url, credential: 'win', command: 'hostname' });
    const before = await run();
    expect(before).toMatchObject({ ok: false, error: { code: 'UNREACHABLE', message: expect.stringContaining('certificate is not trusted') as unknown as string } });
    expect(wsman.log.shellsCreated).toBe(0); // nothing was sent to the untrusted server

    const trusted = await core.dispatch('certificates.trust', { pem: wsman.certificate });
    expect(trusted.ok, JSON.stringify(trusted)).toBe(true);
    const after = await run();
    expect(after).toMatchObject({ ok: true, value: { exitCode: 0, stdout: 'WIN-TLS\r\n' } });

    const fp = (trusted as { ok: true; value: { fingerprint256: string } }).value.fingerprint256;
    expect((await core.dispatch('certificates.untrust', { fingerprint256: fp })).ok).toBe(true);
    expect(await run()).toMatchObject({ ok: false, error: { code: 'UNREACHABLE' } });
  });
});
