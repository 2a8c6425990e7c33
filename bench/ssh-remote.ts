// SSH figures on a loopback sshd: `head -c 100M /dev/zero` through core/ssh vs the OpenSSH client
// (same sshd, connect + auth + exec on both sides), exec latency on an open connection, and fan-out
// of one command to N sshd processes (BENCH_FANOUT_TARGETS, default 200) vs `ansible -f 50 -m command`
// when ansible-core is installed. Prints one JSON line. Needs root and openssh-server.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFanout } from '../core/endpoints/fanout-engine.js';
import { SshConnectionPool } from '../core/ssh/ssh-connection-pool.js';
import { SshConnection } from '../core/ssh/ssh-connection.js';
import { createTestUser, generateKey, sshdAvailable, startSshd, type Sshd } from '../test/peers/openssh-server.js';

const accept = { verify: async () => Promise.resolve(), preferredKeyTypes: async () => Promise.resolve([]) };
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

if (!sshdAvailable() || process.getuid?.() !== 0) {
  console.log(JSON.stringify({ bench: 'ssh-remote', skipped: 'needs root and openssh-server' }));
  process.exit(0);
}

const dir = mkdtempSync(join(tmpdir(), 'outpost-bench-ssh-'));
const servers: Sshd[] = [];
const cleanups: (() => void)[] = [];
try {
  const keyFile = join(dir, 'id');
  const key = generateKey(keyFile);
  const sshd = await startSshd({ dir, authorizedKeys: [key.publicKey] });
  servers.push(sshd);
  const auth = { type: 'private-key' as const, privateKey: key.privateKey };
  const c = await SshConnection.open({ host: '127.0.0.1', port: sshd.port, user: 'root', auth }, { hostKeys: accept });

  const mb = 100;
  const oursMs: number[] = [];
  const opensshMs: number[] = [];
  for (let i = 0; i < 3; i++) {
    // Both sides pay for connect + auth + exec, as a user running one command does.
    let t = performance.now();
    const fresh = await SshConnection.open({ host: '127.0.0.1', port: sshd.port, user: 'root', auth }, { hostKeys: accept });
    const r = await fresh.exec(`head -c ${mb}M /dev/zero`, { maxOutputBytes: (mb + 1) * 1024 * 1024 });
    oursMs.push(performance.now() - t);
    fresh.close();
    if (r.stdout.length !== mb * 1024 * 1024) throw new Error('short read');
    t = performance.now();
    const o = spawnSync('ssh', ['-i', keyFile, '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-p', String(sshd.port), 'root@127.0.0.1', `head -c ${mb}M /dev/zero`], { maxBuffer: (mb + 1) * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] });
    opensshMs.push(performance.now() - t);
    if (o.stdout.length !== mb * 1024 * 1024) throw new Error('openssh short read');
  }
  const execMs: number[] = [];
  for (let i = 0; i < 10; i++) execMs.push((await c.exec('true')).durationMs);
  c.close();

  // Fan-out: one command to N sshd processes, ours vs `ansible -f C -m command` on the same targets,
  // both logging in as a throwaway user whose shell is /bin/sh: root's login files on a workstation
  // (pyenv init here, ~0.2 s of CPU per session) would otherwise be most of what is measured.
  const benchUser = createTestUser(`outpost-tb${randomBytes(3).toString('hex')}`, randomBytes(12).toString('base64url'));
  cleanups.push(() => benchUser.remove());
  chmodSync(dir, 0o755);
  const targets = Number(process.env.BENCH_FANOUT_TARGETS ?? 200);
  const concurrency = 50;
  const hostKeyFile = join(dir, 'shared_host_key');
  generateKey(hostKeyFile);
  for (let i = 0; i < targets; i++) {
    const s = await startSshd({ dir, authorizedKeys: [key.publicKey], hostKeyFile, extra: ['MaxStartups 1000'] });
    // sshd reads the keys file as the user logging in.
    chmodSync(join(dir, `authorized_keys_${s.port}`), 0o644);
    servers.push(s);
  }
  const pool = new SshConnectionPool({ hostKeys: accept });
  const hosts = servers.slice(1).map((s) => ({ port: s.port, target: { host: '127.0.0.1', port: s.port, user: benchUser.name, auth }, label: String(s.port) }));
  const t0 = performance.now();
  // The engine the app, ssh.fanout and `outpost fanout` share: every host's whole output streamed and kept (OutputRing).
  let streamed = 0;
  const results = await runFanout(hosts, 'uname -n', { pool, concurrency, timeoutMs: 60_000, onOutput: (_i, _s, c) => (streamed += c.length) });
  const fanMs = performance.now() - t0;
  pool.close();
  const ok = results.filter((r) => r.exitCode === 0).length;
  const keptBytes = results.reduce((n, r) => n + r.stdout.bytes + r.stderr.bytes, 0);
  if (keptBytes !== streamed) throw new Error(`kept ${keptBytes} of ${streamed} bytes of output`);

  let ansibleMs: number | null = null;
  let ansibleOk: number | null = null;
  if (spawnSync('sh', ['-c', 'command -v ansible'], { stdio: 'ignore' }).status === 0) {
    const inventory = join(dir, 'inventory.ini');
    writeFileSync(inventory, ['[lab]', ...hosts.map((h, i) => `h${i} ansible_host=127.0.0.1 ansible_port=${h.port} ansible_user=${benchUser.name} ansible_ssh_private_key_file=${keyFile}`)].join('\n') + '\n');
    const env = {
      ...process.env,
      ANSIBLE_HOME: join(dir, 'ansible'),
      ANSIBLE_LOCAL_TEMP: join(dir, 'ansible', 'tmp'),
      ANSIBLE_HOST_KEY_CHECKING: 'False',
      ANSIBLE_SSH_ARGS: `-o ControlMaster=auto -o ControlPersist=5s -o ControlPath=${dir}/cp-%C -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no`,
      ANSIBLE_PYTHON_INTERPRETER: '/usr/bin/python3',
    };
    const t1 = performance.now();
    const a = spawnSync('ansible', ['lab', '-i', inventory, '-f', String(concurrency), '-m', 'command', '-a', 'uname -n', '-o'], { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    ansibleMs = performance.now() - t1;
    ansibleOk = (a.stdout.match(/\| CHANGED \| rc=0/g) ?? []).length;
  }

  console.log(
    JSON.stringify({
      bench: 'ssh-remote',
      catMB: mb,
      coreSshMBps: Math.round(mb / (median(oursMs) / 1000)),
      opensshClientMBps: Math.round(mb / (median(opensshMs) / 1000)),
      ratio: Number((median(opensshMs) / median(oursMs)).toFixed(2)),
      execOnOpenConnectionMedianMs: Math.round(median(execMs)),
      fanOutTargets: targets,
      fanOutConcurrency: concurrency,
      fanOutMs: Math.round(fanMs),
      fanOutOk: ok,
      fanOutOutputKeptBytes: keptBytes,
      ansibleMs: ansibleMs === null ? null : Math.round(ansibleMs),
      ansibleOk,
      fanOutVsAnsible: ansibleMs === null ? null : Number((fanMs / ansibleMs).toFixed(2)),
      load: execFileSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).split(' ')[0],
    }),
  );
} finally {
  for (const s of servers) s.stop();
  for (const c of cleanups) c();
  rmSync(dir, { recursive: true, force: true });
}
