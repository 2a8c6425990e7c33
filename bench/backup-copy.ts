// The host upgrade's off-host backup copy (core/upgrades/backup-copy.ts) on a loopback sshd: a
// BENCH_BACKUP_MB (default 512) MB file streamed over SFTP into this machine's folder and into an
// SSH target's, each checksummed at the destination. Prints one JSON line: MB/s per destination
// and the peak RSS growth while copying (bounded memory: it must not grow with the file).
// Needs root and openssh-server.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyOffHost, offHostPlace, type BackupDestination } from '../core/upgrades/backup-copy.js';
import { SshConnectionPool } from '../core/ssh/ssh-connection-pool.js';
import { generateKey, sshdAvailable, startSshd } from '../test/peers/openssh-server.js';

if (!sshdAvailable() || process.getuid?.() !== 0) {
  console.log(JSON.stringify({ bench: 'backup-copy', skipped: 'needs root and openssh-server' }));
  process.exit(0);
}

const accept = { verify: () => Promise.resolve(), preferredKeyTypes: () => Promise.resolve([]) };
const mb = Number(process.env.BENCH_BACKUP_MB ?? 512);
const dir = mkdtempSync(join(tmpdir(), 'outpost-bench-backup-'));
const sshd = await startSshd({ dir, authorizedKeys: [generateKey(join(dir, 'id')).publicKey] });
const pool = new SshConnectionPool({ hostKeys: accept });
try {
  const auth = { type: 'private-key' as const, privateKey: execFileSync('cat', [join(dir, 'id')], { encoding: 'utf8' }) };
  const source = { host: '127.0.0.1', port: sshd.port, user: 'root', auth };
  const artefact = join(dir, 'datastore.dump');
  execFileSync('sh', ['-c', `head -c ${mb}M /dev/urandom > ${artefact}`]);
  const [sha256] = execFileSync('sha256sum', [artefact], { encoding: 'utf8' }).split(/\s+/);
  const bytes = mb * 1024 * 1024;

  const run = async (dest: BackupDestination, name: string): Promise<{ mbPerS: number; peakRssGrowthMB: number }> => {
    global.gc?.();
    const base = process.memoryUsage().rss;
    let peak = base;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const t = performance.now();
    await copyOffHost(pool, { source, artefactPath: artefact, sha256: sha256!, bytes, dest, place: offHostPlace(dest.root, null, { site: 'bench', host: name, procedureId: name, artefactPath: artefact }), signal: new AbortController().signal });
    const s = (performance.now() - t) / 1000;
    clearInterval(sampler);
    return { mbPerS: Math.round((mb / s) * 10) / 10, peakRssGrowthMB: Math.round(((peak - base) / 1048576) * 10) / 10 };
  };
  const local = await run({ kind: 'local', root: join(dir, 'local') }, 'local');
  const ssh = await run({ kind: 'ssh', root: join(dir, 'remote'), target: source }, 'ssh');
  console.log(JSON.stringify({ bench: 'backup-copy', fileMB: mb, local, ssh, note: 'copy + checksum at the destination; source and destination are the same loopback sshd' }));
} finally {
  pool.close();
  sshd.stop();
  rmSync(dir, { recursive: true, force: true });
}
