// `outpost exec`: one command over SSH, streamed. Kept light on purpose: main.ts runs it without
// the rest of the CLI (no contract schemas, vault, vSphere, certificates...), so its start-up is
// mostly Node's own; it opens only the store's known hosts, settings (the actor) and audit log.
import type { Command } from 'commander';
import { dirname } from 'node:path';
import { AuditLog } from '../audit/audit-log.js';
import { OutpostError } from '../contract/errors.js';
import { openStore, type Store } from '../db/store.js';
import { secureDataDir } from '../server/data-dir.js';
import { operatorActor, SettingsStore } from '../settings/settings-store.js';
import { isFingerprint } from '../ssh/host-key-fingerprint.js';
import { KnownHostsStore } from '../ssh/known-hosts-store.js';
import { sshPool } from '../endpoints/ssh-pool.js';
import { UsageError } from './cli-error.js';
import { positiveInt, type CliContext } from './cli-context.js';
import { errorLine, isOutputClosed, OUTPUT_CLOSED_EXIT, whileStreaming } from './output.js';
import { authFrom, cliHostKeys, collect, confirmHostKey, hostSpec, jumpHops, readAll, SSH_FAILED } from './ssh-cli-options.js';

interface ExecStore {
  store: Store;
  audit: AuditLog;
  knownHosts: KnownHostsStore;
  actor: string;
}

let opened: ExecStore | null = null;

/** The part of the store exec uses, opened as the core would open it (a default data folder is made private). */
async function openExecStore(context: CliContext): Promise<ExecStore> {
  if (opened) return opened;
  const path = context.dbPath();
  if (context.options.db === undefined) secureDataDir(dirname(path));
  const store = await openStore(path);
  const sql = store.sql;
  const audit = new AuditLog(sql);
  opened = { store, audit, knownHosts: new KnownHostsStore(sql, audit), actor: operatorActor(await new SettingsStore(sql, audit).get()) };
  return opened;
}

async function closeExecStore(): Promise<void> {
  await opened?.store.close();
  opened = null;
}

export function registerExecCommand(program: Command, context: CliContext): void {
  program
    .command('exec')
    .description('Run a command over SSH; exits with its exit code (255: SSH failed), prints its stdout and stderr unchanged')
    .requiredOption('--host <host[:port]>', 'server to run on')
    .requiredOption('--user <user>', 'remote user')
    .option('--key <file>', 'private key (OpenSSH or PEM); passphrase from $OUTPOST_SSH_KEY_PASSPHRASE')
    .option('--password-stdin', 'read the password from standard input')
    .option('--jump <user@host:port>', 'jump host (repeat, or a comma list, for a chain; first hop first); same credentials', collect)
    .option('--trust <SHA256:...>', 'accept this host key fingerprint (as ssh-keygen -lf prints it) if the host is unknown; repeatable', collect)
    .option('--timeout <seconds>', 'stop the command after this long', positiveInt('--timeout', 86_400))
    .option('--stdin', "send this process's standard input to the command (not with --password-stdin)")
    .argument('<command...>', 'the command (after --)')
    .action(async (words: string[], o: { host: string; user: string; key?: string; passwordStdin?: boolean; jump?: string[]; trust?: string[]; timeout?: number; stdin?: boolean }) => {
      if (o.stdin && o.passwordStdin) throw new UsageError('--stdin and --password-stdin both want standard input; use --key or an agent with --stdin.');
      for (const fp of o.trust ?? []) if (!isFingerprint(fp)) throw new UsageError(`--trust ${fp} is not a fingerprint; give it as ssh-keygen -lf prints it (SHA256:...).`);
      const dest = hostSpec(o.host, o.user);
      const auth = await authFrom(o);
      const jumps = jumpHops(o.jump, o.user, auth);
      const store = await openExecStore(context);
      const { actor, knownHosts } = store;
      const target = { host: dest.host, port: dest.port, user: dest.user ?? o.user, auth, jumps };
      const command = words.join(' ');
      const input = o.stdin ? await readAll() : undefined;
      const interactive = Boolean(process.stdin.isTTY) && !o.passwordStdin && !o.stdin;
      try {
        for (let attempt = 0; ; attempt++) {
          const pool = sshPool({ hostKeys: cliHostKeys(knownHosts, o.trust ?? [], actor) });
          try {
            // Streamed as it arrives, byte for byte (long-running commands show progress, nothing is
            // re-encoded), at the reader's pace: a slow reader slows sshd down instead of filling memory.
            const r = await whileStreaming(() =>
              pool.exec(target, command, {
                ...(o.timeout ? { timeoutMs: o.timeout * 1000 } : {}),
                ...(input !== undefined ? { input } : {}),
                keepOutput: false,
                stdoutSink: process.stdout,
                stderrSink: process.stderr,
              }),
            );
            await store.audit.append({ actor, action: 'ssh.exec', target: `${target.user}@${target.host}:${target.port}`, outcome: r.exitCode === 0 ? 'ok' : 'failed', details: { command: command.slice(0, 200), exitCode: r.exitCode } });
            process.exitCode = r.exitCode ?? SSH_FAILED;
            return;
          } catch (err) {
            if (err instanceof OutpostError && err.code === 'HOST_KEY_UNKNOWN' && interactive && attempt < 4 && (o.trust ?? []).length === 0) {
              if (!(await confirmHostKey(err))) throw err;
              const d = err.details as { host: string; port: number; fingerprint: string; keyType: string | null };
              await knownHosts.trust({ host: d.host, port: d.port, fingerprint: d.fingerprint, keyType: d.keyType }, actor);
              continue;
            }
            if (err instanceof OutpostError && err.code === 'CANCELLED' && isOutputClosed()) {
              // The reader went away (`| head`): the command was stopped; say nothing more, as ssh(1).
              await store.audit.append({ actor, action: 'ssh.exec', target: `${target.user}@${target.host}:${target.port}`, outcome: 'failed', details: { command: command.slice(0, 200), code: 'OUTPUT_CLOSED' } });
              process.exitCode = OUTPUT_CLOSED_EXIT;
              return;
            }
            if (err instanceof OutpostError && err.code !== 'VALIDATION') {
              const e = err.toContract();
              await store.audit.append({ actor, action: 'ssh.exec', target: `${target.user}@${target.host}:${target.port}`, outcome: 'failed', details: { command: command.slice(0, 200), code: e.code } });
              process.stderr.write(context.out.json ? `${JSON.stringify({ error: e })}\n` : errorLine(e));
              process.exitCode = SSH_FAILED;
              return;
            }
            throw err;
          } finally {
              pool.close();
          }
        }
      } finally {
        await closeExecStore();
      }
    });
}
