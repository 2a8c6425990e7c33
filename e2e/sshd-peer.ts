import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKey, sshdAvailable, startSshd, type Sshd } from '../test/peers/openssh-server';
import { test } from './host-fixture';

/**
 * One loopback sshd with a fresh root key for the enclosing describe: skipped where sshd cannot
 * run, started before its tests (handing the server and the private key to `started`), stopped after.
 */
export function useSshd(prefix: string, started: (peer: { sshd: Sshd; privateKey: string }) => void): void {
  test.skip(!sshdAvailable() || process.getuid?.() !== 0, 'needs root and openssh-server');
  let dir = '';
  let sshd: Sshd | undefined;
  test.beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), prefix));
    const key = generateKey(join(dir, 'id'));
    sshd = await startSshd({ dir, authorizedKeys: [key.publicKey] });
    started({ sshd, privateKey: key.privateKey });
  });
  test.afterAll(() => {
    sshd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
}
