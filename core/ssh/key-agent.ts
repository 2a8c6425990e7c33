import { spawn, type ChildProcess } from 'node:child_process';
import { lstatSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { OutpostError } from '../contract/errors.js';
import { childEnv } from '../exec/child-env.js';

/**
 * Hands a decrypted private key to OpenSSH programs (ansible-playbook's ssh) without writing it
 * to disk: a private ssh-agent for one run, fed over a pipe (`ssh-add -`), reached through a
 * socket in a 0700 folder, gone after the run.
 *
 * The agent runs in ssh-agent's command mode, its command a holder (`cat`) whose stdin is a pipe
 * from this process: ssh-agent exits by itself (within 10 s, its parent-alive check) once the
 * holder has gone, and the holder goes as soon as this process does, even on SIGKILL or a crash,
 * because its stdin then reaches EOF. So no agent holding a key outlives Outpost; on a normal
 * end the agent is killed at once.
 *
 * The run folder is named with this process's id, so a later start can tell the folders of a
 * crashed run (its process gone) from those of a live one (see sweepStaleRunDirs).
 */
export const RUN_DIR_PREFIX = 'outpost-ansible-';

export interface AgentRun {
  /** The run's private folder (0700) for its other files (known_hosts, inventory, vars); removed afterwards. */
  dir: string;
  /** What the child needs in its environment to reach the agent (pass it through childEnv). */
  env: { SSH_AUTH_SOCK: string };
  /** The key's public half: with `IdentitiesOnly=yes`, ssh offers the agent's matching key for an IdentityFile that names it. */
  identityFile: string;
}

const AGENT_START_MS = 10_000;

/** The holder prints the agent's pid (so it can be killed at once after the run), then waits for EOF on stdin. */
const HOLDER = ['sh', '-c', 'echo "$SSH_AGENT_PID"; exec cat >/dev/null'];

/**
 * Runs `work` with `privateKey` (OpenSSH or PEM text, no passphrase) loaded in a private ssh-agent.
 * The key is on disk at no point; the folder, the socket and the agent are gone when this returns or throws.
 */
export async function withKeyInAgent<T>(privateKey: string | Buffer, work: (run: AgentRun) => Promise<T>, options: { tmp?: string } = {}): Promise<T> {
  const dir = mkdtempSync(join(options.tmp ?? tmpdir(), `${RUN_DIR_PREFIX}${process.pid}-`));
  const socket = join(dir, 'agent.sock');
  let holder: ChildProcess | null = null;
  let agentPid: number | null = null;
  try {
    holder = spawn('ssh-agent', ['-a', socket, ...HOLDER], { env: childEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    agentPid = await agentStarted(holder);
    const env = { SSH_AUTH_SOCK: socket };
    const pem = privateKey.toString();
    await sshAdd(['-q', '-'], env, pem.endsWith('\n') ? pem : `${pem}\n`);
    const publicKey = await sshAdd(['-L'], env);
    const identityFile = join(dir, 'id.pub');
    writeFileSync(identityFile, publicKey, { mode: 0o600 });
    return await work({ dir, env, identityFile });
  } finally {
    // The agent first, while its holder still lives (so its pid cannot have been reused), then the holder.
    if (agentPid !== null && holder?.exitCode === null && holder.signalCode === null) {
      try {
        process.kill(agentPid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    if (holder) await stopped(holder);
    rmSync(dir, { recursive: true, force: true });
  }
}

function agentStarted(holder: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    holder.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    const fail = (why: string): void => {
      clearTimeout(timer);
      reject(new OutpostError('INTERNAL', `ssh-agent (OpenSSH) could not start: ${why}. Install the OpenSSH client; Outpost hands keys to Ansible through a private ssh-agent, never as a file.`));
    };
    const timer = setTimeout(() => fail(`no answer in ${AGENT_START_MS / 1000} s`), AGENT_START_MS);
    holder.once('error', (err) => fail(err.message));
    holder.once('exit', (code) => fail(`exit ${code ?? 'signal'}${stderr.trim() ? `: ${stderr.trim()}` : ''}`));
    createInterface({ input: holder.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      const pid = Number(line.trim());
      if (Number.isInteger(pid) && pid > 0) resolve(pid);
      else reject(new OutpostError('INTERNAL', `ssh-agent did not report its pid (got ${JSON.stringify(line.slice(0, 40))}).`));
    });
  });
}

/** ssh-add against the run's agent. Detached (no controlling terminal): a key that wants a passphrase fails instead of prompting. */
function sshAdd(args: string[], agent: { SSH_AUTH_SOCK: string }, input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('ssh-add', args, { env: childEnv(agent), stdio: ['pipe', 'pipe', 'pipe'], detached: true, timeout: AGENT_START_MS });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', (err) => reject(new OutpostError('INTERNAL', `ssh-add could not run: ${err.message}`)));
    child.once('close', (code) => {
      if (code === 0) resolve(stdout);
      else reject(new OutpostError('VALIDATION', `The SSH key could not be loaded into the run's ssh-agent (ssh-add exit ${code ?? 'signal'}: ${stderr.trim() || 'no message'}). Use an unencrypted OpenSSH or PEM private key.`));
    });
    child.stdin.on('error', () => undefined); // ssh-add may exit before reading everything; its exit code says why
    child.stdin.end(input ?? '');
  });
}

function stopped(holder: ChildProcess): Promise<void> {
  if (holder.exitCode !== null || holder.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    holder.once('close', () => resolve());
    holder.stdin?.end();
    holder.kill('SIGTERM');
  });
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Removes run folders that earlier runs left behind when their process died (a crash, a kill):
 * ours (named `outpost-ansible-<pid>-...`) whose process is gone, and every folder of the older
 * naming, which held the private key as a file. Folders of live processes, other users' folders
 * and anything that is not a plain folder are left alone. Returns the paths removed.
 */
export function sweepStaleRunDirs(tmp = tmpdir()): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(tmp).filter((n) => n.startsWith(RUN_DIR_PREFIX));
  } catch {
    return removed;
  }
  const uid = process.getuid?.();
  for (const name of names) {
    const path = join(tmp, name);
    try {
      const st = lstatSync(path);
      if (!st.isDirectory() || (uid !== undefined && st.uid !== uid)) continue;
      const owner = /^outpost-ansible-(\d+)-/.exec(name);
      if (owner) {
        const pid = Number(owner[1]);
        if (pid === process.pid || alive(pid)) continue;
      }
      rmSync(path, { recursive: true, force: true });
      removed.push(path);
    } catch {
      // vanished meanwhile, or not ours to remove
    }
  }
  return removed;
}
