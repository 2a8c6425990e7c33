import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tempDir } from '../../test/temp-dir.js';
import { sshdAvailable, startSshd, type Sshd } from '../../test/peers/openssh-server.js';
import { probeHostKey } from './host-key-probe.js';

const canRun = process.getuid?.() === 0 && sshdAvailable();
if (!canRun) console.log('host key probe tests skipped: need root and openssh-server');

describe.skipIf(!canRun)('probeHostKey against a real OpenSSH sshd on 127.0.0.1', () => {
  const dir = tempDir('outpost-probe-');
  let sshd: Sshd;
  let silent: Server;
  beforeAll(async () => {
    sshd = await startSshd({ dir: dir.path, authorizedKeys: [] });
    silent = createServer(() => {}).listen(0, '127.0.0.1');
    await new Promise((r) => silent.once('listening', r));
  });
  afterAll(() => {
    sshd?.stop();
    silent?.close();
    dir.remove();
  });

  it('returns the fingerprint ssh-keygen -lf prints for the host key, and the key type', async () => {
    const key = await probeHostKey('127.0.0.1', sshd.port);
    expect(key).toEqual({ host: '127.0.0.1', port: sshd.port, keyType: 'ssh-ed25519', fingerprint: sshd.fingerprint });
  });

  it('never authenticates: sshd logs no authentication attempt for the probe user', async () => {
    await probeHostKey('127.0.0.1', sshd.port);
    expect(sshd.log()).not.toMatch(/outpost-host-key-probe/);
  });

  it('a closed port is UNREACHABLE and a silent one TIMEOUT', async () => {
    await expect(probeHostKey('127.0.0.1', 1)).rejects.toMatchObject({ code: 'UNREACHABLE' });
    await expect(probeHostKey('127.0.0.1', (silent.address() as AddressInfo).port, 500)).rejects.toMatchObject({ code: 'TIMEOUT' });
  });
});
