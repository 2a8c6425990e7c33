import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { ansibleProbe, setParentSecrets } from '../../test/fixtures/ansible-probe.js';
import { generateKey, sshdAvailable, startSshd, type Sshd } from '../../test/peers/openssh-server.js';
import { tempDir } from '../../test/temp-dir.js';
import { onPath } from '../exec/on-path.js';
import { createOutpostCore, type OutpostCore } from '../server/core.js';
import { defaultKdf } from '../vault/passphrase-cipher.js';
import { HostUpgradeOperations } from './host-operations.js';

const unavailable = !sshdAvailable() ? 'OpenSSH sshd is not installed' : !onPath('ansible-playbook') ? 'ansible-playbook is not installed' : null;
if (unavailable) console.log(`host-operations Ansible tests skipped: ${unavailable}`);

describe.skipIf(unavailable !== null)("host upgrade's configuration playbook (real ansible-playbook against a loopback sshd)", () => {
  let dir: ReturnType<typeof tempDir>;
  let sshd: Sshd;
  let core: OutpostCore;
  let restoreEnv: (() => void) | undefined;

  const call = async (command: string, input: unknown): Promise<void> => {
    const r = await core.dispatch(command, input, { actor: 'tester' });
    if (!r.ok) throw new Error(`${command}: ${JSON.stringify(r.error)}`);
  };

  beforeAll(async () => {
    dir = tempDir('outpost-host-ops-test-');
    const key = generateKey(join(dir.path, 'host_key'));
    sshd = await startSshd({ dir: dir.path, authorizedKeys: [key.publicKey] });
    core = await createOutpostCore({ dataDir: dir.path, transport: 'test', checkOutputs: true, kdf: { ...defaultKdf, N: 2 ** 10 } });
    await call('vault.unlock', { passphrase: 'a long enough passphrase' });
    await call('credentials.add', { name: 'esx-root', username: 'root', secret: { type: 'private-key', privateKey: key.privateKey } });
    await call('knownHosts.trust', { host: sshd.host, port: sshd.port, fingerprint: sshd.fingerprint });
    restoreEnv = setParentSecrets();
  });
  afterAll(async () => {
    restoreEnv?.();
    await core?.close();
    sshd?.stop();
    dir?.remove();
  });

  it('ansible-playbook logs in with the key from a private agent: no key file in its run folder, no vault passphrase or PGPASSWORD in its environment', async () => {
    const probe = ansibleProbe(dir.path);
    const ops = new HostUpgradeOperations(core.sql, core.services.audit, core.services.credentials, core.services.endpoints, join(dir.path, 'upgrade-backups'));
    const result = await ops.runPlaybook({
      site: 'unused',
      inventoryYaml: 'all:\n  hosts:\n    esx-1: {}\n',
      hostName: 'esx-1',
      ssh: { host: sshd.host, port: sshd.port, credential: 'esx-root' },
      playbook: probe.playbook,
      signal: new AbortController().signal,
      actor: 'tester',
    });
    expect(result.exitCode, result.output).toBe(0);
    const seen = probe.read();
    expect(seen.keyFiles).toBe('');
    expect(seen.passphrase).toBe('');
    expect(seen.pgpassword).toBe('');
    expect(seen.agentSocket).toBe(join(seen.runDir, 'agent.sock'));
  }, 60_000);
});
