import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { stringify } from 'yaml';
import { OutpostError } from '../contract/errors.js';
import type { PlaybookHostResult, PlaybookRun } from '../contract/upgrades.js';
import type { AuditLog } from '../audit/audit-log.js';
import { childEnv } from '../exec/child-env.js';
import { withKeyInAgent } from '../ssh/key-agent.js';
import type { KnownHostsStore } from '../ssh/known-hosts-store.js';
import type { SshAuth } from '../ssh/ssh-target.js';
import { trustedKnownHostsLines } from '../ssh/trusted-key-scan.js';

/** One host a playbook runs against, as picked (an inventory VM by its guest IP, or a host[:port]). */
export interface PlaybookTarget {
  /** site/VM or host:port, for the results. */
  target: string;
  /** A name for the run's inventory (the VM's name, or the host) before it is made unique. */
  name: string;
  host: string;
  port: number;
}

export interface PlaybookStart {
  playbook: string;
  targets: PlaybookTarget[];
  credential: string;
  user: string;
  auth: SshAuth;
}

const MAX_LINE = 2000;
const KEPT_LINES = 2000;
const KEPT_RUNS = 50;

interface Run {
  summary: PlaybookRun;
  output: string[];
  abort: AbortController;
}

/** Inventory host names: letters, digits, dot, dash, underscore (a name Ansible's host patterns read as one host), unique. */
export function inventoryNames(targets: readonly PlaybookTarget[]): string[] {
  const used = new Set<string>();
  return targets.map((t) => {
    const base = t.name.replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/^[_.-]+/, '') || 'host';
    let name = base;
    for (let n = 2; used.has(name.toLowerCase()); n++) name = `${base}_${n}`;
    used.add(name.toLowerCase());
    return name;
  });
}

const RECAP = /^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)/;

/** Per-host counts from ansible-playbook's PLAY RECAP lines (the default stdout callback). */
export function recapResults(lines: readonly string[]): Map<string, { ok: number; changed: number; unreachable: number; failed: number }> {
  const out = new Map<string, { ok: number; changed: number; unreachable: number; failed: number }>();
  let inRecap = false;
  for (const line of lines) {
    if (line.startsWith('PLAY RECAP')) inRecap = true;
    else if (inRecap) {
      const m = RECAP.exec(line);
      if (m) out.set(m[1]!, { ok: Number(m[2]), changed: Number(m[3]), unreachable: Number(m[4]), failed: Number(m[5]) });
    }
  }
  return out;
}

const statusOf = (r: { ok: number; changed: number; unreachable: number; failed: number }): PlaybookHostResult['status'] =>
  r.unreachable > 0 ? 'unreachable' : r.failed > 0 ? 'failed' : r.changed > 0 ? 'changed' : 'ok';

/**
 * Playbook runs against a selection: Outpost writes the inventory, ansible-playbook runs with the
 * key in a private ssh-agent (never a file), a known_hosts holding only the keys Outpost's store
 * trusts (strict checking), a minimal environment; output lines are published as they come,
 * per-host results are read from the play recap, and the end is audited with the counts.
 * Runs live in memory (bounded history), like fan-out jobs.
 */
export class PlaybookRuns {
  private readonly runs = new Map<string, Run>();

  constructor(
    private readonly o: {
      audit: AuditLog;
      knownHosts: KnownHostsStore;
      onLine: (runId: string, line: string) => void;
      onDone: (run: PlaybookRun) => void;
    },
  ) {}

  /** Checks everything that can be checked before anything runs, then starts the run and returns it at once. */
  async start(s: PlaybookStart, actor: string): Promise<PlaybookRun> {
    checkPlaybookFile(s.playbook);
    if (s.auth.type !== 'private-key') throw new OutpostError('VALIDATION', `Ansible needs a private-key credential; "${s.credential}" is a password. Save a key credential for these hosts.`);
    if (s.auth.passphrase) throw new OutpostError('VALIDATION', `Credential "${s.credential}" has a passphrase-protected key; Ansible cannot use it non-interactively. Use a key without passphrase.`);
    const known = await Promise.all(s.targets.map((t) => this.o.knownHosts.entriesFor(t.host, t.port)));
    const untrusted = s.targets.filter((_, i) => known[i]!.length === 0);
    if (untrusted.length) {
      throw new OutpostError('HOST_KEY_UNKNOWN', `Outpost trusts no host key of ${untrusted.map((t) => `${t.target} (${t.host}:${t.port})`).join(', ')}. Trust them first (known-hosts trust, or connect once), then run the playbook.`, {
        hosts: untrusted.map((t) => `${t.host}:${t.port}`),
      });
    }
    const names = inventoryNames(s.targets);
    const id = `pb-${randomBytes(6).toString('hex')}`;
    const run: Run = {
      summary: {
        id,
        playbook: s.playbook,
        credential: s.credential,
        state: 'running',
        startedAt: new Date().toISOString(),
        finishedAt: null,
        startedBy: actor,
        exitCode: null,
        error: null,
        hosts: s.targets.map((t, i) => ({ name: names[i]!, target: t.target, status: 'pending', ok: 0, changed: 0, failed: 0, unreachable: 0 })),
      },
      output: [],
      abort: new AbortController(),
    };
    this.runs.set(id, run);
    for (const old of [...this.runs.keys()].slice(0, Math.max(0, this.runs.size - KEPT_RUNS))) if (this.runs.get(old)!.summary.state !== 'running') this.runs.delete(old);
    void this.execute(run, s, names, actor);
    return structuredClone(run.summary);
  }

  get(runId: string): PlaybookRun & { output: string[] } {
    const run = this.runs.get(runId);
    if (!run) throw new OutpostError('NOT_FOUND', `No playbook run ${runId} in this Outpost process (runs are kept in memory until it exits).`);
    return { ...structuredClone(run.summary), output: [...run.output] };
  }

  list(): PlaybookRun[] {
    return [...this.runs.values()].map((r) => structuredClone(r.summary)).reverse();
  }

  cancel(runId: string, actor: string): PlaybookRun {
    const run = this.runs.get(runId);
    if (!run) throw new OutpostError('NOT_FOUND', `No playbook run ${runId}.`);
    if (run.summary.state === 'running') {
      void this.o.audit.append({ actor, action: 'playbook.cancel', target: run.summary.playbook, details: { runId } });
      run.abort.abort();
    }
    return structuredClone(run.summary);
  }

  /** Stops every running run (the process is closing). */
  close(): void {
    for (const r of this.runs.values()) r.abort.abort();
  }

  private line(run: Run, text: string): void {
    const line = text.length > MAX_LINE ? `${text.slice(0, MAX_LINE)}…` : text;
    run.output.push(line);
    if (run.output.length > KEPT_LINES) run.output.shift();
    this.o.onLine(run.summary.id, line);
  }

  private async execute(run: Run, s: PlaybookStart, names: string[], actor: string): Promise<void> {
    const all: string[] = [];
    try {
      const exitCode = await withKeyInAgent(s.auth.type === 'private-key' ? s.auth.privateKey : '', async ({ dir, env: agentEnv, identityFile }) => {
        const known = await Promise.all(s.targets.map(async (t) => trustedKnownHostsLines(t.host, t.port, new Set((await this.o.knownHosts.entriesFor(t.host, t.port)).map((k) => k.fingerprint)))));
        const knownHosts = join(dir, 'known_hosts');
        writeFileSync(knownHosts, known.flat().join('\n') + '\n', { mode: 0o600 });
        const inventory = join(dir, 'inventory.yml');
        const hosts = Object.fromEntries(s.targets.map((t, i) => [names[i]!, { ansible_host: t.host, ansible_port: t.port, ansible_user: s.user }]));
        writeFileSync(inventory, `# written by Outpost for playbook run ${run.summary.id}\n${stringify({ all: { hosts } })}`, { mode: 0o600 });
        const settings = {
          ...agentEnv,
          HOME: dir,
          ANSIBLE_HOME: dir,
          ANSIBLE_LOCAL_TEMP: join(dir, 'tmp'),
          ANSIBLE_NOCOLOR: '1',
          ANSIBLE_RETRY_FILES_ENABLED: 'False',
          ANSIBLE_HOST_KEY_CHECKING: 'True',
          ANSIBLE_PYTHON_INTERPRETER: 'auto_silent',
          // The agent's key only; the pinned known_hosts only; one connection per host, closed 2 s after the play.
          ANSIBLE_SSH_ARGS: `-o UserKnownHostsFile=${knownHosts} -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes -o IdentityFile=${identityFile} -o IdentitiesOnly=yes -o ControlMaster=auto -o ControlPersist=2s -o ControlPath=${join(dir, 'cm-%C')}`,
        };
        // cwd is the run's private folder: an ansible.cfg in whatever folder Outpost was started from is not read.
        // Its own process group: a cancel stops ansible-playbook, its forked workers and their ssh processes together
        // (killing the parent alone leaves workers holding the output pipes open).
        const child = spawn('ansible-playbook', ['-i', inventory, s.playbook], { cwd: dir, env: childEnv(settings), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
        const killGroup = (signal: NodeJS.Signals): void => {
          try {
            if (child.pid) process.kill(-child.pid, signal);
          } catch {
            // already gone
          }
        };
        const onAbort = (): void => {
          killGroup('SIGTERM');
          setTimeout(() => killGroup('SIGKILL'), 3000).unref();
        };
        run.abort.signal.addEventListener('abort', onAbort, { once: true });
        const closed = Promise.all(
          [child.stdout, child.stderr].map(
            (stream) =>
              new Promise<void>((resolve) => {
                const rl = createInterface({ input: stream });
                rl.on('line', (line) => {
                  all.push(line);
                  if (line.trim()) this.line(run, line);
                });
                rl.once('close', () => resolve());
              }),
          ),
        );
        try {
          const code = await new Promise<number | null>((resolve, reject) => {
            child.once('error', (err) => reject(new OutpostError('INTERNAL', `ansible-playbook could not run: ${err.message}. Install ansible-core on this machine.`)));
            child.once('exit', (c) => resolve(c));
          });
          // The last lines (the recap) may still be in the pipes; a straggler holding them open is not waited for long.
          await Promise.race([closed, new Promise((r) => setTimeout(r, 3000))]);
          return code;
        } finally {
          run.abort.signal.removeEventListener('abort', onAbort);
          if (run.abort.signal.aborted) killGroup('SIGKILL');
          child.stdout.destroy();
          child.stderr.destroy();
        }
      });
      this.finish(run, names, all, exitCode, null);
    } catch (err) {
      this.finish(run, names, all, null, err instanceof Error ? err.message : String(err));
    }
    const t = run.summary;
    const count = (st: PlaybookHostResult['status']) => t.hosts.filter((h) => h.status === st).length;
    const failedHosts = t.hosts.filter((h) => h.status !== 'ok' && h.status !== 'changed').map((h) => h.target);
    await this.o.audit.append({
      actor,
      action: 'playbook.run',
      target: t.playbook,
      outcome: t.state === 'done' && failedHosts.length === 0 ? 'ok' : 'failed',
      details: { runId: t.id, credential: t.credential, state: t.state, exitCode: t.exitCode, hosts: t.hosts.length, ok: count('ok') + count('changed'), changed: count('changed'), failed: count('failed'), unreachable: count('unreachable'), notRun: count('not-run'), failedHosts: failedHosts.slice(0, 50) },
    });
    this.o.onDone(structuredClone(t));
  }

  private finish(run: Run, names: string[], lines: string[], exitCode: number | null, error: string | null): void {
    const recap = recapResults(lines);
    const t = run.summary;
    t.exitCode = exitCode;
    t.finishedAt = new Date().toISOString();
    t.hosts = t.hosts.map((h, i) => {
      const r = recap.get(names[i]!);
      return r ? { ...h, ...r, status: statusOf(r) } : { ...h, status: 'not-run' };
    });
    if (run.abort.signal.aborted) {
      t.state = 'cancelled';
      t.error = 'Cancelled by the operator.';
    } else if (error !== null) {
      t.state = 'failed';
      t.error = error;
    } else if (recap.size === 0) {
      // No recap: ansible-playbook stopped before playing (a syntax error, a bad inventory); its last lines say why.
      t.state = 'failed';
      t.error = `ansible-playbook exited ${exitCode ?? 'by a signal'} before playing: ${lines.filter((l) => l.trim()).slice(-3).join(' | ') || 'no output'}`;
    } else {
      t.state = 'done';
    }
  }
}

/** The playbook must be a readable file here; said before anything starts. */
function checkPlaybookFile(path: string): void {
  let isFile = false;
  try {
    isFile = statSync(path).isFile();
    accessSync(path, constants.R_OK);
  } catch {
    throw new OutpostError('NOT_FOUND', `Playbook file ${path} does not exist or cannot be read. Give the path of a playbook (.yml) on this machine.`, { playbook: path });
  }
  if (!isFile) throw new OutpostError('VALIDATION', `${path} is not a file; give the path of a playbook (.yml).`, { playbook: path });
}
