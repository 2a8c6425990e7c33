import type { Command } from 'commander';
import { OutpostError } from '../contract/errors.js';
import { sftpDownload, sftpUpload } from '../sftp/sftp-session.js';
import { isFingerprint } from '../ssh/host-key-fingerprint.js';
import { SshConnection } from '../ssh/ssh-connection.js';
import { endpointLabel } from '../ssh/ssh-target.js';
import { UsageError } from './cli-error.js';
import type { CliContext } from './cli-context.js';
import { authFrom, cliHostKeys, collect, hostSpec, jumpHops } from './ssh-cli-options.js';

interface SftpOptions {
  host: string;
  user: string;
  key?: string;
  passwordStdin?: boolean;
  jump?: string[];
  trust?: string[];
  quiet?: boolean;
}

const mib = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MiB`;

/**
 * `outpost sftp get|put`: files and folders over SFTP, picking the host and credential as
 * `outpost exec` does (--host, --user, --key / --password-stdin / agent, --jump, --trust). Each file
 * lands as NAME.partial and is renamed when whole; progress goes to stderr (a TTY only).
 */
export function registerSftpCommands(program: Command, context: CliContext): void {
  const sftp = program.command('sftp').description('Copy files and folders over SFTP (host keys from the known-hosts store, as outpost exec)');
  const common = (c: Command): Command =>
    c
      .requiredOption('--host <host[:port]>', 'server')
      .requiredOption('--user <user>', 'remote user')
      .option('--key <file>', 'private key (OpenSSH or PEM); passphrase from $OUTPOST_SSH_KEY_PASSPHRASE')
      .option('--password-stdin', 'read the password from standard input')
      .option('--jump <user@host:port>', 'jump host (repeat, or a comma list, for a chain; first hop first); same credentials', collect)
      .option('--trust <SHA256:...>', 'accept this host key fingerprint if the host is unknown; repeatable', collect)
      .option('--quiet', 'no progress on stderr');
  const run = async (direction: 'get' | 'put', from: string, to: string, o: SftpOptions): Promise<void> => {
    for (const fp of o.trust ?? []) if (!isFingerprint(fp)) throw new UsageError(`--trust ${fp} is not a fingerprint; give it as ssh-keygen -lf prints it (SHA256:...).`);
    const dest = hostSpec(o.host, o.user);
    const auth = await authFrom(o);
    const target = { host: dest.host, port: dest.port, user: dest.user ?? o.user, auth, jumps: jumpHops(o.jump, o.user, auth) };
    const core = await context.open();
    const s = core.services;
    const actor = await s.defaultActor();
    const where = endpointLabel(target);
    const ac = new AbortController();
    const onSigint = (): void => ac.abort();
    process.once('SIGINT', onSigint);
    const started = performance.now();
    let last = 0;
    const showProgress = !o.quiet && Boolean(process.stderr.isTTY);
    const options = {
      signal: ac.signal,
      onProgress: (p: { transferred: number; total: number }) => {
        if (!showProgress || performance.now() - last < 200) return;
        last = performance.now();
        process.stderr.write(`\r${mib(p.transferred)} / ${mib(p.total)}  `);
      },
    };
    const conn = await SshConnection.open(target, { hostKeys: cliHostKeys(s.remote.knownHosts, o.trust ?? [], actor) });
    try {
      const r = direction === 'get' ? await sftpDownload(conn, from, to, options) : await sftpUpload(conn, from, to, options);
      const seconds = (performance.now() - started) / 1000;
      if (showProgress) process.stderr.write('\r');
      await s.audit.append({ actor, action: `sftp.${direction}`, target: where, outcome: 'ok', details: { from, to, files: r.files, bytes: r.bytes } });
      const out = context.out;
      out.write(out.json ? JSON.stringify({ ...r, seconds: Math.round(seconds * 10) / 10 }) : `${direction === 'get' ? 'Downloaded' : 'Uploaded'} ${r.files} file(s), ${mib(r.bytes)} in ${seconds.toFixed(1)} s (${(r.bytes / 1024 / 1024 / Math.max(seconds, 0.001)).toFixed(1)} MiB/s).`);
    } catch (err) {
      await s.audit.append({ actor, action: `sftp.${direction}`, target: where, outcome: 'failed', details: { from, to, code: err instanceof OutpostError ? err.code : 'INTERNAL' } });
      throw err;
    } finally {
      process.off('SIGINT', onSigint);
      conn.close();
    }
  };
  common(sftp.command('get').description('Download REMOTE (a file or a folder) to LOCAL (a file name, or a folder to copy into)'))
    .argument('<remote>', 'remote path')
    .argument('<local>', 'local path')
    .action((remote: string, local: string, o: SftpOptions) => run('get', remote, local, o));
  common(sftp.command('put').description('Upload LOCAL (a file or a folder) to REMOTE (a file name, or a folder to copy into)'))
    .argument('<local>', 'local path')
    .argument('<remote>', 'remote path')
    .action((local: string, remote: string, o: SftpOptions) => run('put', local, remote, o));
}
