// Fan-out through one jump host: N targets (BENCH_JUMP_TARGETS, default 100; 127.0.0.x on one sshd
// inside a network namespace that only the jump sshd reaches, see test/lab/jump-lab.ts) at
// concurrency BENCH_JUMP_CONCURRENCY (default 50), with the pool sharing one connection to the jump
// host (what fan-out jobs and `outpost fanout --jump` do) vs a new jump connection per target (what
// SshConnection.open alone does). Counts the connections the bastion accepted. Each bastion
// connection also pays for the lab's bridge (an `ip netns exec` pipe process), as a remote bastion
// would pay a network round trip and a login. Prints one JSON line. Needs root and openssh-server.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFanout } from '../core/endpoints/fanout-engine.js';
import { SshConnectionPool } from '../core/ssh/ssh-connection-pool.js';
import { generateKey, sshdAvailable } from '../test/peers/openssh-server.js';
import { createJumpLab, type JumpLab } from '../test/lab/jump-lab.js';

if (!sshdAvailable() || process.getuid?.() !== 0) {
  console.log(JSON.stringify({ bench: 'fanout-jump', skipped: 'needs root and openssh-server' }));
  process.exit(0);
}

const accept = { verify: async () => Promise.resolve(), preferredKeyTypes: async () => Promise.resolve([]) };
const targets = Math.min(250, Number(process.env.BENCH_JUMP_TARGETS ?? 100));
const concurrency = Number(process.env.BENCH_JUMP_CONCURRENCY ?? 50);
const dir = mkdtempSync(join(tmpdir(), 'outpost-bench-fanout-jump-'));
let lab: JumpLab | null = null;
try {
  const key = generateKey(join(dir, 'id'));
  lab = await createJumpLab({ dir, authorizedKeys: [key.publicKey], targets: 1, targetListen: '0.0.0.0', jumpExtra: ['MaxStartups 300', 'LogLevel ERROR'] });
  const auth = { type: 'private-key' as const, privateKey: key.privateKey };
  const jump = { host: '127.0.0.1', port: lab.jumpPort, user: 'root', auth };
  const hosts = Array.from({ length: targets }, (_, i) => ({ target: { host: `127.0.0.${i + 1}`, port: lab!.targets[0]!.port, user: 'root', auth, jumps: [jump] }, label: `127.0.0.${i + 1}` }));
  const run = async (shareJumps: boolean): Promise<{ ms: number; ok: number; bastionConnections: number; failures: string[] }> => {
    const pool = new SshConnectionPool({ hostKeys: accept, keepAliveIntervalMs: 0, idleMs: 1000, shareJumps });
    const before = lab!.jumpConnections();
    const t = performance.now();
    try {
      const results = await runFanout(hosts, 'true', { pool, concurrency, timeoutMs: 60_000 });
      const failures = [...new Set(results.filter((r) => r.exitCode !== 0).map((r) => r.error?.code ?? `exit ${r.exitCode}`))];
      return { ms: Math.round(performance.now() - t), ok: results.filter((r) => r.exitCode === 0).length, bastionConnections: lab!.jumpConnections() - before, failures };
    } finally {
      pool.close();
    }
  };
  await run(true); // warm-up (sshd, page cache)
  const shared = await run(true);
  const perTarget = await run(false);
  console.log(JSON.stringify({ bench: 'fanout-jump', targets, concurrency, shared, perTarget, speedup: Number((perTarget.ms / shared.ms).toFixed(2)) }));
} finally {
  lab?.destroy();
  rmSync(dir, { recursive: true, force: true });
}
