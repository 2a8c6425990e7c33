import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { ansibleProbe, setParentSecrets } from '../../test/fixtures/ansible-probe.js';
import { generateKey, sshdAvailable, startSshd, type Sshd } from '../../test/peers/openssh-server.js';
import { tempDir } from '../../test/temp-dir.js';
import { onPath } from '../exec/on-path.js';
import { runEnrollPlaybook } from './ansible-runner.js';

const unavailable = !sshdAvailable() ? 'OpenSSH sshd is not installed' : !onPath('ansible-playbook') ? 'ansible-playbook is not installed' : null;
if (unavailable) console.log(`ansible-runner tests skipped: ${unavailable}`);

describe.skipIf(unavailable !== null)('enrollment playbook runs (real ansible-playbook against a loopback sshd)', () => {
  let dir: ReturnType<typeof tempDir>;
  let sshd: Sshd;
  let key: { privateKey: string; publicKey: string };
  let restoreEnv: (() => void) | undefined;

  beforeAll(async () => {
    // Not 'outpost-ansible-…': sweepStaleRunDirs (any core starting on this machine) removes such folders as a crashed run's.
    dir = tempDir('outpost-test-enroll-runner-');
    key = generateKey(join(dir.path, 'guest_key'));
    sshd = await startSshd({ dir: dir.path, authorizedKeys: [key.publicKey] });
    restoreEnv = setParentSecrets();
  });
  afterAll(() => {
    restoreEnv?.();
    sshd?.stop();
    dir?.remove();
  });

  it('ansible-playbook logs in with the key from a private agent: no key file in its run folder, no vault passphrase or PGPASSWORD in its environment', async () => {
    const probe = ansibleProbe(dir.path);
    const lines: string[] = [];
    await runEnrollPlaybook({
      endpoint: { family: 'linux', host: '127.0.0.1', port: sshd.port, user: 'root', auth: { type: 'private-key', privateKey: key.privateKey } },
      hostKey: sshd.fingerprint,
      vars: {},
      playbook: probe.playbook,
      onLine: (line) => lines.push(line),
    });
    expect(lines.join('\n')).toMatch(/PLAY RECAP[\s\S]*ok=1/);
    const seen = probe.read();
    expect(seen.keyFiles).toBe('');
    expect(seen.passphrase).toBe('');
    expect(seen.pgpassword).toBe('');
    expect(seen.agentSocket).toBe(join(seen.runDir, 'agent.sock'));
  }, 60_000);
});
