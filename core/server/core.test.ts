import { afterEach, beforeEach, expect, it } from 'vitest';
import { once } from 'node:events';
import { execFileSync } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { describeCoreEngines } from '../../test/engines.js';
import { tempDir } from '../../test/temp-dir.js';
import { firewallPolicyCommands } from '../contract/firewall-policy.js'; // with checkOutputs in core/nat/nat-policy-procedures.test.ts (netns lab)
import { commandNames } from '../contract/commands.js';
import { vmAccessCommands } from '../contract/vm-access.js';
import { networkingCommands } from '../contract/networking.js';
import { enrollmentCommands } from '../contract/enrollment.js';
import { inventoryCommands } from '../contract/inventory.js';
import { terminalCommands } from '../contract/terminal.js';
import { upgradeCommands } from '../contract/upgrades.js';
import { teamCommands } from '../contract/team.js';
import { fanoutCommands } from '../contract/fanout.js';
import { inventoryViewCommands } from '../contract/inventory-views.js';
import { recordingCommands } from '../contract/recordings.js';
import { sftpCommands } from '../contract/sftp.js';
import type { EventName } from '../contract/events.js';
import { defaultKdf } from '../vault/passphrase-cipher.js';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKey, startSshd } from '../../test/peers/openssh-server.js';
import { startWsmanServer } from '../../test/peers/wsman-test-server.js';
import { createOutpostCore, type OutpostCore } from './core.js';

describeCoreEngines('core dispatch (the path every transport takes)', (newDb, engine) => {
  let dir: ReturnType<typeof tempDir>;
  let core: OutpostCore;
  let dbPath: string | undefined;
  const open = (): Promise<OutpostCore> =>
    createOutpostCore({ dataDir: dir.path, ...(dbPath ? { dbPath } : {}), transport: 'test', checkOutputs: true, kdf: { ...defaultKdf, N: 2 ** 10 } });
  beforeEach(async () => {
    dir = tempDir();
    dbPath = await newDb();
    core = await open();
  });
  afterEach(async () => {
    await core.close();
    dir.remove();
  });

  it('answers every contract command with output that matches its schema', async () => {
    const covered = new Set<string>();
    const call = async (name: string, input: unknown): Promise<unknown> => {
      const result = await core.dispatch(name, input);
      expect(result, `${name} ${JSON.stringify(result)}`).toMatchObject({ ok: true });
      covered.add(name);
      return (result as { value: unknown }).value;
    };
    for (const name of ['app.info', 'status.get', 'settings.get', 'audit.list', 'sites.list', 'procedures.list', 'vault.status', 'ipam.pools.list', 'firewalls.list']) {
      await call(name, {});
    }
    await call('settings.update', { theme: 'dark' });
    await call('vault.unlock', { passphrase: 'a long enough passphrase' });
    await call('ipam.pools.add', { name: 'pub', cidr: '203.0.113.0/24', kind: 'public' });
    await call('ipam.allocations.list', {});
    expect(await call('ipam.allocate', { pool: 'pub', owner: 'team:db' })).toMatchObject({ address: '203.0.113.1', owner: 'team:db', purpose: 'manual' });
    expect(await call('ipam.release', { address: '203.0.113.1' })).toMatchObject({ address: '203.0.113.1', releasedAt: expect.any(String) });
    await call('firewalls.add', { name: 'edge', driver: 'manual', settings: { manualSyntax: 'iptables' } });
    const { procedureId } = (await call('nat.add', { firewall: 'edge', privateIp: '10.0.0.5', pool: 'pub' })) as { procedureId: string };
    await core.services.engine.whenIdle(procedureId);
    const detail = (await call('procedures.get', { id: procedureId })) as { procedure: { state: string } };
    expect(detail.procedure.state).toBe('waiting');
    await call('procedures.approve', { id: procedureId });
    await core.services.engine.whenIdle(procedureId);
    await call('nat.list', { verify: true });
    const removal = (await call('nat.remove', { publicIp: '203.0.113.1' })) as { procedureId: string };
    await core.services.engine.whenIdle(removal.procedureId);
    await call('procedures.cancel', { id: removal.procedureId });
    await core.services.engine.whenIdle(removal.procedureId);
    expect((await core.services.engine.store.get(removal.procedureId))?.state).toBe('cancelled');
    // The Recent Tasks feed followed the run: cancelled now, linked to its page.
    expect(await call('tasks.list', { limit: 5 })).toMatchObject({ tasks: expect.arrayContaining([expect.objectContaining({ id: removal.procedureId, kind: 'procedure', state: 'cancelled', link: { view: 'procedures', ref: removal.procedureId } })]) });
    // A stopped failure to retry and roll back: removing a NAT on a firewall that cannot be reached.
    await call('firewalls.add', { name: 'gone', driver: 'linux-iptables', connection: { type: 'local', netns: 'outpost-no-such-ns' } });
    const stuck = await core.services.nat.ensureRecord({ firewall: 'gone', publicIp: '198.51.100.7', privateIp: '10.0.0.7' }, 'test');
    await core.services.nat.setState(stuck.id, 'active', 'test');
    const failing = (await call('nat.remove', { publicIp: '198.51.100.7' })) as { procedureId: string };
    await core.services.engine.whenIdle(failing.procedureId);
    expect((await core.services.engine.store.get(failing.procedureId))?.state).toBe('failed');
    await call('procedures.retry', { id: failing.procedureId });
    await core.services.engine.whenIdle(failing.procedureId);
    expect((await core.services.engine.store.get(failing.procedureId))?.state).toBe('failed');
    await call('procedures.rollback', { id: failing.procedureId });
    await core.services.engine.whenIdle(failing.procedureId);
    expect((await core.services.engine.store.get(failing.procedureId))?.state).toBe('rolled-back');
    expect((await core.services.nat.record(stuck.id)).state).toBe('active');
    // Workstation helpers: rules are previewed here; applying them changes a machine's firewall, so
    // apply/remove/applied run inside a lab namespace in core/helpers/client-helpers-lab.test.ts.
    const preview = (await call('helpers.translate.preview', { subnet: '192.168.100.0/24', to: '203.0.113.4', format: 'nft' })) as { rules: string };
    expect(preview.rules).toContain('dnat to 203.0.113.4');
    expect(await call('helpers.hosts.render', { text: 'keystone 192.168.100.12', mapSubnet: '192.168.100.0/24', toPrefix: '203.0.113.0/24' })).toMatchObject({
      entries: [{ ip: '203.0.113.12', names: ['keystone'] }],
    });
    const listener = createServer((sock) => sock.end()).listen(0, '127.0.0.1');
    await once(listener, 'listening');
    const port = (listener.address() as AddressInfo).port;
    expect(await call('helpers.preflight.run', { targets: [{ host: '127.0.0.1', port }], timeoutMs: 2000 })).toMatchObject([{ status: 'open' }]);
    listener.close();
    await call('helpers.preflight.save', { name: 'controller', targets: [{ host: '127.0.0.1', port }] });
    expect(await call('helpers.preflight.lists', {})).toMatchObject([{ name: 'controller', timeoutMs: 3000 }]);
    expect(await call('helpers.preflight.delete', { name: 'controller' })).toEqual({ deleted: true });
    // Certificates: the success paths (openssl-made files, a live TLS server) are in
    // core/certificates/certificates.test.ts; here the handlers' error paths through dispatch.
    expect(await core.dispatch('certificates.inspect', { contentBase64: Buffer.from('nope').toString('base64') })).toMatchObject({ ok: false, error: { code: 'CERT_INVALID' } });
    covered.add('certificates.inspect');
    expect(await core.dispatch('certificates.fetch', { host: '127.0.0.1', port })).toMatchObject({ ok: false, error: { code: 'UNREACHABLE' } });
    covered.add('certificates.fetch');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir.path, 'ca.key'), '-out', join(dir.path, 'ca.pem'), '-days', '30', '-subj', '/CN=Core Test CA', '-addext', 'basicConstraints=critical,CA:TRUE'], { stdio: 'pipe' });
    const caPem = readFileSync(join(dir.path, 'ca.pem'), 'utf8');
    const trusted = (await call('certificates.trust', { pem: caPem })) as { fingerprint256: string; added: boolean };
    expect(trusted.added).toBe(true);
    expect(await call('certificates.trust', { pem: caPem })).toEqual({ fingerprint256: trusted.fingerprint256, added: false });
    expect(await call('certificates.trusted', {})).toEqual([expect.objectContaining({ subject: 'CN=Core Test CA', fingerprint256: trusted.fingerprint256 })]);
    expect(await call('certificates.untrust', { fingerprint256: trusted.fingerprint256 })).toEqual({ removed: true });
    for (const name of ['helpers.translate.apply', 'helpers.translate.remove', 'helpers.translate.applied']) covered.add(name);
    // Remote access: a credential profile, the known-hosts store, exec and fan-out against a loopback sshd.
    const key = generateKey(join(dir.path, 'id'));
    const sshd = await startSshd({ dir: dir.path, authorizedKeys: [key.publicKey] });
    try {
      await call('credentials.add', { name: 'lab-root', username: 'root', secret: { type: 'private-key', privateKey: key.privateKey } });
      expect(await call('credentials.list', {})).toEqual([expect.objectContaining({ name: 'lab-root', kind: 'private-key', username: 'root' })]);
      expect(await call('ssh.hostKey', { host: '127.0.0.1', port: sshd.port })).toEqual({ host: '127.0.0.1', port: sshd.port, keyType: 'ssh-ed25519', fingerprint: sshd.fingerprint });
      // An unknown host key is a typed error carrying the fingerprint, so the UI can ask the operator.
      const unknown = await core.dispatch('ssh.exec', { host: '127.0.0.1', port: sshd.port, credential: 'lab-root', command: 'true' });
      expect(unknown).toMatchObject({ ok: false, error: { code: 'HOST_KEY_UNKNOWN', details: { fingerprint: sshd.fingerprint, port: sshd.port } } });
      await call('knownHosts.trust', { host: '127.0.0.1', port: sshd.port, fingerprint: sshd.fingerprint });
      const exec = (await call('ssh.exec', { host: '127.0.0.1', port: sshd.port, credential: 'lab-root', command: 'echo via-contract' })) as { exitCode: number; stdout: string };
      expect(exec).toMatchObject({ exitCode: 0, stdout: 'via-contract\n' });
      const fan = (await call('ssh.fanout', { hosts: [{ host: '127.0.0.1', port: sshd.port }, { host: '127.0.0.1', port: 1 }], credential: 'lab-root', command: 'echo fan' })) as { exitCode: number | null }[];
      expect(fan.map((r) => r.exitCode)).toEqual([0, null]);
      expect(await call('knownHosts.list', {})).toHaveLength(1);
      expect(await call('knownHosts.remove', { host: '127.0.0.1', port: sshd.port })).toEqual({ removed: 1 });
      const knownHostsFile = join(dir.path, 'known_hosts');
      writeFileSync(knownHostsFile, `[127.0.0.1]:${sshd.port} ${key.publicKey}\n`);
      expect(await call('knownHosts.import', { text: readFileSync(knownHostsFile, 'utf8'), fileName: 'known_hosts' })).toMatchObject({ imported: 1, alreadyKnown: 0 });
      await call('credentials.remove', { name: 'lab-root' });
      // sshConfig.hosts reads only the operator's own ~/.ssh/config.
      mkdirSync(join(dir.path, 'home', '.ssh'), { recursive: true });
      writeFileSync(join(dir.path, 'home', '.ssh', 'config'), `Host lab\n  HostName 127.0.0.1\n  Port ${sshd.port}\n  User root\nHost *\n  User nobody\n`);
      const savedHome = process.env.HOME;
      process.env.HOME = join(dir.path, 'home');
      try {
        expect(await call('sshConfig.hosts', {})).toEqual([expect.objectContaining({ alias: 'lab', hostName: '127.0.0.1', port: sshd.port, user: 'root' })]);
      } finally {
        process.env.HOME = savedHome;
      }
    } finally {
      sshd.stop();
    }
    const wsman = await startWsmanServer({ auth: 'ntlm', user: 'Administrator', password: 'w1n-Secret!', commands: { hostname: { chunks: [{ stdout: 'WIN-01\r\n' }], exitCode: 0 } } });
    try {
      await call('credentials.add', { name: 'win', username: 'Administrator', secret: { type: 'password', password: 'w1n-Secret!' } });
      expect(await call('winrm.exec', { url: wsman.url, credential: 'win', command: 'hostname' })).toMatchObject({ exitCode: 0, stdout: 'WIN-01\r\n' });
    } finally {
      await wsman.stop();
    }
    const auditText = JSON.stringify(await core.services.audit.list({ limit: 1000 }));
    expect(auditText).toContain('credential.add');
    expect(auditText).not.toContain('PRIVATE KEY');
    expect(auditText).not.toContain('w1n-Secret!');
    // The vCenter commands need a vCenter: core/inventory/inventory-sync.test.ts exercises each against vcsim,
    // core/networking/vlan-ensure.test.ts and core/vm-access/vm-access.test.ts the networking and console ones.
    // The terminal commands need a terminal stream: core/terminal/terminal-service.test.ts exercises each against sshd.
    // The upgrade commands need vCenter and SSH hosts: core/upgrades/host-upgrade.test.ts exercises each against vcsim and sshd.
    // The enrollment commands need vcsim and the netns lab: core/enrollment/enrollment-lab.test.ts exercises each.
    // The fan-out job commands need several sshd peers and events: core/remote/fanout-jobs.test.ts exercises each.
    // Pushing hosts entries needs an SSH node: core/helpers/hosts-push.test.ts exercises both against sshd.
    const hostsPush = ['helpers.hosts.preview', 'helpers.hosts.push'];
    // Team mode (core/team/team-mode.test.ts exercises each command with two workstations): the store in use;
    // an import is refused on SQLite (no team) and into a PostgreSQL store that already holds rows.
    expect(await call('team.status', {})).toMatchObject({ engine, connected: true, configured: false, others: [] });
    expect(await core.dispatch('team.import', {})).toMatchObject({ ok: false, error: { code: engine === 'sqlite' ? 'VALIDATION' : 'ESTATE_MISMATCH' } });
    for (const name of Object.keys(teamCommands)) covered.add(name);
    // Metrics: this process's own snapshot is written by long-running processes only, so none here yet.
    expect(await call('metrics.list', {})).toEqual(expect.any(Array));
    covered.add('metrics.list');
    // Recordings: none before a terminal ran (core/terminal/recording/session-recording.test.ts records one and reads it back).
    expect(await call('recording.list', {})).toEqual([]);
    covered.add('recording.list');
    // The file pane's sftp.* need an open SSH terminal: core/sftp/sftp-pane.test.ts exercises each against sshd.
    // The inventory reports need a vCenter: core/inventory/inventory-details.test.ts exercises each against vcsim.
    const elsewhere = [...[firewallPolicyCommands, enrollmentCommands, inventoryCommands, networkingCommands, vmAccessCommands, terminalCommands, upgradeCommands, fanoutCommands, inventoryViewCommands, recordingCommands, sftpCommands].flatMap((c) => Object.keys(c)), ...hostsPush].filter((name) => !covered.has(name)); // sites.list needs no vCenter: exercised above
    expect([...covered, ...elsewhere].sort()).toEqual([...commandNames].sort());
  });

  it('rejects an unknown command with UNKNOWN_COMMAND', async () => {
    expect(await core.dispatch('shell.exec', { cmd: 'rm -rf /' })).toEqual({
      ok: false,
      error: { code: 'UNKNOWN_COMMAND', message: 'Unknown command "shell.exec".' },
    });
    expect(await core.dispatch({ toString: () => 'x' }, {})).toMatchObject({ ok: false, error: { code: 'UNKNOWN_COMMAND' } });
  });

  it('rejects invalid input with VALIDATION and the failing path, before any handler runs', async () => {
    const result = await core.dispatch('settings.update', { theme: 'purple', sneaky: true });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('VALIDATION');
    const issues = (result.error.details as { issues: { path: string[] }[] }).issues;
    expect(issues.map((i) => i.path.join('.'))).toEqual(expect.arrayContaining(['theme']));
    // Nothing was written or audited.
    expect((await core.services.audit.list()).entries).toHaveLength(0);
    expect((await core.services.settings.get()).theme).toBe('system');
  });

  it('persists settings across a restart and audits who changed what', async () => {
    await core.dispatch('settings.update', { operatorName: 'alice' });
    await core.dispatch('settings.update', { theme: 'dark' }, { actor: 'bob@console' });
    await core.close();
    core = await open();
    const settings = await core.dispatch('settings.get', {});
    expect(settings).toMatchObject({ ok: true, value: { theme: 'dark', operatorName: 'alice' } });
    const audit = await core.dispatch('audit.list', {});
    expect(audit.ok && (audit.value as { entries: { actor: string; action: string; details: unknown }[] }).entries).toEqual([
      expect.objectContaining({ actor: 'bob@console', action: 'settings.update', details: { theme: { from: 'system', to: 'dark' } } }),
      expect.objectContaining({ action: 'settings.update', details: { operatorName: { from: '', to: 'alice' } } }),
    ]);
  });

  it('reads past a stored setting it cannot parse (falls back to the default, keeps the others)', async () => {
    await core.dispatch('settings.update', { operatorName: 'dana', theme: 'dark' });
    await core.sql.run("UPDATE settings SET value = '{not json' WHERE key = 'theme'");
    expect(await core.dispatch('settings.get', {})).toMatchObject({ ok: true, value: { theme: 'system', operatorName: 'dana' } });
  });

  it('uses the configured operator name as the audit actor by default', async () => {
    await core.dispatch('settings.update', { operatorName: 'carol' });
    await core.dispatch('settings.update', { theme: 'light' });
    const page = await core.services.audit.list({ limit: 1 });
    expect(page.entries[0]?.actor).toBe('carol');
  });

  it('emits settings.changed and audit.appended events', async () => {
    const seen: EventName[] = [];
    const off = core.onEvent((event) => seen.push(event));
    await core.dispatch('settings.update', { theme: 'dark' });
    off();
    await core.dispatch('settings.update', { theme: 'light' });
    // status.changed comes on its own schedule (on PostgreSQL the team database's status can land here): not this update's.
    expect(seen.filter((e) => e !== 'status.changed')).toEqual(['audit.appended', 'settings.changed']);
  });

  it('pages the audit log newest first with a keyset cursor and filters by text', async () => {
    for (let i = 0; i < 5; i++) await core.services.audit.append({ actor: 'ops', action: `test.step${i}`, target: i % 2 ? 'vm-odd' : 'vm-even' });
    const first = await core.services.audit.list({ limit: 2 });
    expect(first.entries.map((e) => e.action)).toEqual(['test.step4', 'test.step3']);
    const second = await core.services.audit.list({ limit: 2, beforeId: first.nextBeforeId! });
    expect(second.entries.map((e) => e.action)).toEqual(['test.step2', 'test.step1']);
    const last = await core.services.audit.list({ limit: 2, beforeId: second.nextBeforeId! });
    expect(last.nextBeforeId).toBeNull();
    expect((await core.services.audit.list({ query: 'odd' })).entries).toHaveLength(2);
    expect((await core.services.audit.list({ query: '%' })).entries).toHaveLength(0);
  });

  it('unlocks the vault through the contract and audits the attempt either way', async () => {
    expect(await core.dispatch('vault.unlock', { passphrase: 'short' })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(await core.dispatch('vault.unlock', { passphrase: 'first passphrase ok' })).toMatchObject({ ok: true, value: { unlocked: true } });
    await core.close();
    core = await open();
    expect(await core.dispatch('vault.unlock', { passphrase: 'another passphrase' })).toMatchObject({
      ok: false,
      error: { code: 'VAULT_PASSPHRASE' },
    });
    const actions = (await core.services.audit.list()).entries.map((e) => `${e.action}:${e.outcome}`);
    expect(actions).toEqual(['vault.unlock:failed', 'vault.create:ok']);
    expect(JSON.stringify(await core.services.audit.list())).not.toContain('passphrase ok');
  });
});
