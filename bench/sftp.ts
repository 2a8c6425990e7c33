// SFTP throughput on a loopback sshd: a file (BENCH_SFTP_MB, default 1024) downloaded and uploaded
// with core/sftp (ssh2 fastGet/fastPut, parallel requests) vs OpenSSH's `sftp -b` on the same sshd,
// in the same run. Prints MB/s of both and the ratio (ours / OpenSSH). Needs root and openssh-server.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { download, upload } from '../core/sftp/sftp-transfer.js';
import { SshConnection } from '../core/ssh/ssh-connection.js';
import { generateKey, sshdAvailable, startSshd } from '../test/peers/openssh-server.js';

const accept = { verify: async () => Promise.resolve(), preferredKeyTypes: async () => Promise.resolve([]) };

if (!sshdAvailable() || process.getuid?.() !== 0) {
  console.log(JSON.stringify({ bench: 'sftp', skipped: 'needs root and openssh-server' }));
  process.exit(0);
}

const mb = Number(process.env.BENCH_SFTP_MB ?? 1024);
const dir = mkdtempSync(join(tmpdir(), 'outpost-bench-sftp-'));
const sshd = await (async () => {
  const key = generateKey(join(dir, 'id'));
  return { key, server: await startSshd({ dir, authorizedKeys: [key.publicKey] }) };
})();
try {
  const src = join(dir, 'src.bin');
  execFileSync('sh', ['-c', `head -c ${mb}M /dev/urandom > "$0"`, src]);
  const bytes = statSync(src).size;
  const rate = (ms: number): number => Math.round((bytes / 1024 / 1024 / (ms / 1000)) * 10) / 10;
  const auth = { type: 'private-key' as const, privateKey: sshd.key.privateKey };
  const conn = await SshConnection.open({ host: '127.0.0.1', port: sshd.server.port, user: 'root', auth }, { hostKeys: accept });

  const openssh = (batch: string): number => {
    const file = join(dir, 'batch');
    writeFileSync(file, batch);
    const t = performance.now();
    const r = spawnSync('sftp', ['-q', '-i', join(dir, 'id'), '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-P', String(sshd.server.port), '-b', file, 'root@127.0.0.1'], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) throw new Error('sftp -b failed');
    return performance.now() - t;
  };
  const ours = async (run: () => Promise<unknown>): Promise<number> => {
    const t = performance.now();
    await run();
    return performance.now() - t;
  };

  const best = (xs: number[]): number => Math.min(...xs);
  const down = { ours: [] as number[], openssh: [] as number[] };
  const up = { ours: [] as number[], openssh: [] as number[] };
  for (let i = 0; i < 2; i++) {
    rmSync(join(dir, 'down-o.bin'), { force: true });
    down.openssh.push(openssh(`get ${src} ${join(dir, 'down-o.bin')}\n`));
    rmSync(join(dir, 'down-x.bin'), { force: true });
    down.ours.push(await ours(() => conn.withSftp((s) => download(s, src, join(dir, 'down-x.bin')))));
    up.openssh.push(openssh(`put ${src} ${join(dir, 'up-o.bin')}\n`));
    up.ours.push(await ours(() => conn.withSftp((s) => upload(s, src, join(dir, 'up-x.bin')))));
  }
  conn.close();
  for (const f of ['down-x.bin', 'up-x.bin']) if (statSync(join(dir, f)).size !== bytes) throw new Error(`${f}: short copy`);
  const d = { oursMBps: rate(best(down.ours)), opensshMBps: rate(best(down.openssh)) };
  const u = { oursMBps: rate(best(up.ours)), opensshMBps: rate(best(up.openssh)) };
  console.log(
    JSON.stringify({
      bench: 'sftp',
      fileMB: mb,
      download: { ...d, ratio: Math.round((d.oursMBps / d.opensshMBps) * 100) / 100 },
      upload: { ...u, ratio: Math.round((u.oursMBps / u.opensshMBps) * 100) / 100 },
    }),
  );
} finally {
  sshd.server.stop();
  rmSync(dir, { recursive: true, force: true });
}
