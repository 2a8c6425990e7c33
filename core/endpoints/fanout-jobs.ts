import { randomBytes } from 'node:crypto';
import { OutpostError, toContractError } from '../contract/errors.js';
import type { FanoutJob, FanoutJobSummary, FanoutRow, FanoutTotals } from '../contract/fanout.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { HostKeyPolicy } from '../ssh/ssh-connection.js';
import { endpointLabel, type SshAuth, type SshTarget } from '../ssh/ssh-target.js';
import { DEFAULT_OUTPUT_BYTES, headOf, OutputRing, runFanout, tallyText } from './fanout-engine.js';
import { sshPool } from './ssh-pool.js';

/** A jump host of a target: where, as whom, and the credential profile it authenticates with (by name: the job keeps no secret). */
export interface FanoutHop {
  host: string;
  port: number;
  user: string;
  credential: string;
}

/**
 * One resolved target of a job: an address to reach (through `jumps`, first hop first, when given;
 * `user` overrides the job's, e.g. an ssh_config User), or (a VM without a guest IP) an error to report.
 */
export type FanoutTarget = { host: string; port: number; vm: string | null; user?: string; jumps?: FanoutHop[] } | { label: string; vm: string; error: OutpostError };

export interface FanoutStart {
  targets: FanoutTarget[];
  credential: string;
  user: string;
  auth: SshAuth;
  /** Secrets of the jump hops' credential profiles other than the job's, by name; held only while the job runs. */
  jumpAuths?: Record<string, SshAuth>;
  command: string;
  concurrency: number;
  timeoutMs: number;
}

type Address = { host: string; port: number; user: string | null; jumps: FanoutHop[] };

export interface FanoutJobsOptions {
  hostKeys: HostKeyPolicy;
  audit: AuditLog;
  onResult(jobId: string, row: FanoutRow, totals: FanoutTotals): void;
  onDone(jobId: string, state: 'done' | 'cancelled', totals: FanoutTotals, durationMs: number): void;
  /** Output as it arrives, batched per job (every ~100 ms): the live view of each host. */
  onOutput?(jobId: string, chunks: FanoutOutputChunk[]): void;
  /** Bytes of output kept per stream and host (the tail). */
  outputBytes?: number;
  /** Finished jobs kept for fanout.get / fanout.list (running ones are always kept). */
  historyJobs?: number;
  /** Lines and characters kept of each stream per host. */
  headLines?: number;
  headChars?: number;
}

export interface FanoutOutputChunk {
  index: number;
  stream: 'stdout' | 'stderr';
  text: string;
  /** Bytes written to the stream once this chunk is in. */
  end: number;
}

/** A live batch carries at most this much; a viewer that misses the rest reads it with fanout.output. */
const MAX_BATCH_CHARS = 256 * 1024;

interface Job {
  /** Each row's kept output (its tail), replaced when the row runs again. */
  outputs: { stdout: OutputRing; stderr: OutputRing }[];
  summary: Omit<FanoutJobSummary, 'totals'>;
  rows: FanoutRow[];
  /** Where each row connects (null: it never can, e.g. a VM without a guest IP). */
  addresses: (Address | null)[];
  user: string;
  /** Held only while the job runs (a re-run is given it again). */
  auth: SshAuth | null;
  jumpAuths: Record<string, SshAuth>;
  abort: AbortController | null;
  started: number;
}

const labelOf = (host: string, port: number): string => `${host.includes(':') ? `[${host}]` : host}:${port}`;
/** How a row's jump chain is shown: user@host:port of each hop, first hop first. */
export const jumpLabel = (jumps: readonly FanoutHop[]): string | null => (jumps.length ? jumps.map(endpointLabel).join(' -> ') : null);
const auditCommand = (command: string): string => (command.length > 200 ? `${command.slice(0, 200)}…` : command);

function totalsOf(rows: readonly FanoutRow[]): FanoutTotals {
  const t: FanoutTotals = { total: rows.length, ok: 0, failed: 0, cancelled: 0, pending: 0, running: 0, unknownHostKeys: 0 };
  for (const r of rows) {
    if (r.state === 'pending') t.pending++;
    else if (r.state === 'running') t.running++;
    else if (r.state === 'cancelled') t.cancelled++;
    else if (r.exitCode === 0 && !r.error) t.ok++;
    else t.failed++;
    if (r.error?.code === 'HOST_KEY_UNKNOWN') t.unknownHostKeys++;
  }
  return t;
}

/**
 * Fan-out jobs kept in memory: each runs one command on many hosts with at most `concurrency`
 * at once and reports every host as it finishes (`onResult`), then the totals (`onDone`). A
 * host that fails never stops the others; cancel stops the running hosts and skips the rest.
 * History is bounded: the oldest finished jobs are forgotten first.
 */
export class FanoutJobs {
  private readonly jobs = new Map<string, Job>();

  constructor(private readonly o: FanoutJobsOptions) {}

  async start(input: FanoutStart, actor: string): Promise<FanoutJob> {
    const seen = new Set<string>();
    const labels = new Set<string>();
    const rows: FanoutRow[] = [];
    const addresses: Job['addresses'] = [];
    for (const t of input.targets) {
      const jumps = 'error' in t ? [] : (t.jumps ?? []);
      const jump = jumpLabel(jumps);
      let label = 'error' in t ? t.label : labelOf(t.host, t.port);
      // The same host:port through the same chain runs once; through another chain it is another row.
      const identity = `${label}#${jump ?? ''}`;
      if (seen.has(identity)) continue;
      seen.add(identity);
      if (labels.has(label) && jump) label = `${label} via ${jump}`;
      labels.add(label);
      const error = 'error' in t ? toContractError(t.error) : null;
      rows.push({ index: rows.length, host: label, vm: t.vm, jump, state: error ? 'done' : 'pending', exitCode: null, durationMs: error ? 0 : null, stdoutHead: '', stderrHead: '', truncated: false, error });
      addresses.push('error' in t ? null : { host: t.host, port: t.port, user: t.user ?? null, jumps });
    }
    const id = `fo-${randomBytes(8).toString('hex')}`;
    const ring = (): { stdout: OutputRing; stderr: OutputRing } => ({ stdout: new OutputRing(this.o.outputBytes ?? DEFAULT_OUTPUT_BYTES), stderr: new OutputRing(this.o.outputBytes ?? DEFAULT_OUTPUT_BYTES) });
    const job: Job = {
      outputs: rows.map(() => ring()),
      summary: { id, command: input.command, credential: input.credential, user: input.user, concurrency: input.concurrency, timeoutMs: input.timeoutMs, state: 'running', startedAt: new Date().toISOString(), finishedAt: null, startedBy: actor },
      rows,
      addresses,
      user: input.user,
      auth: input.auth,
      jumpAuths: input.jumpAuths ?? {},
      abort: new AbortController(),
      started: performance.now(),
    };
    this.jobs.set(id, job);
    const jumpChains = [...new Set(rows.flatMap((r) => (r.jump ? [r.jump] : [])))];
    await this.o.audit.append({
      actor,
      action: 'fanout.start',
      target: `${rows.length} hosts`,
      details: { jobId: id, command: auditCommand(input.command), hosts: rows.length, credential: input.credential, concurrency: input.concurrency, timeoutMs: input.timeoutMs, ...(jumpChains.length ? { jumps: jumpChains.slice(0, 20) } : {}) },
    });
    this.prune();
    const view = this.view(job);
    // After the caller has its answer: the first events of the job then follow the job id, never precede it.
    setImmediate(() => this.run(job, rows.filter((r) => r.state === 'pending').map((r) => r.index), actor));
    return view;
  }

  /** The credential profile a job ran with (a re-run resolves it again: the job does not keep the secret). */
  credentialOf(jobId: string): string {
    return this.job(jobId).summary.credential;
  }

  /** The credential profiles a job's jump hosts authenticate with, other than the job's own (a re-run resolves them again). */
  jumpCredentialsOf(jobId: string): string[] {
    const job = this.job(jobId);
    return [...new Set(job.addresses.flatMap((a) => (a ? a.jumps.map((j) => j.credential) : [])))].filter((c) => c !== job.summary.credential);
  }

  /** Runs a finished job again on some of its hosts (by their row's host label), through the same jump hosts. */
  async rerun(jobId: string, hosts: readonly string[], auth: SshAuth, actor: string, jumpAuths: Record<string, SshAuth> = {}): Promise<FanoutJob> {
    const job = this.job(jobId);
    if (job.summary.state === 'running') throw new OutpostError('CONFLICT', `Fan-out ${jobId} is still running; wait for it to finish or cancel it first.`);
    const indexes: number[] = [];
    for (const h of new Set(hosts)) {
      const row = job.rows.find((r) => r.host === h);
      if (!row) throw new OutpostError('NOT_FOUND', `Fan-out ${jobId} has no host ${h}.`);
      if (!job.addresses[row.index]) throw new OutpostError('VALIDATION', `${h} has no address to connect to: ${row.error?.message ?? 'unknown'}`);
      indexes.push(row.index);
    }
    for (const i of indexes) job.rows[i] = { ...job.rows[i]!, state: 'pending', exitCode: null, durationMs: null, stdoutHead: '', stderrHead: '', truncated: false, error: null };
    job.summary = { ...job.summary, state: 'running', finishedAt: null };
    job.auth = auth;
    job.jumpAuths = jumpAuths;
    job.abort = new AbortController();
    job.started = performance.now();
    await this.o.audit.append({ actor, action: 'fanout.rerun', target: `${indexes.length} hosts`, details: { jobId, command: auditCommand(job.summary.command), hosts: indexes.length, credential: job.summary.credential } });
    const view = this.view(job);
    setImmediate(() => this.run(job, indexes, actor));
    return view;
  }

  async cancel(jobId: string, actor: string): Promise<FanoutJobSummary> {
    const job = this.job(jobId);
    if (job.summary.state === 'running' && job.abort && !job.abort.signal.aborted) {
      await this.o.audit.append({ actor, action: 'fanout.cancel', target: `${job.rows.length} hosts`, details: { jobId, command: auditCommand(job.summary.command), pending: totalsOf(job.rows).pending } });
      job.abort.abort();
    }
    return this.summaryOf(job);
  }

  get(jobId: string): FanoutJob {
    return this.view(this.job(jobId));
  }

  list(): FanoutJobSummary[] {
    return [...this.jobs.values()].reverse().map((j) => this.summaryOf(j));
  }

  /** Cancels every running job (the process is closing). */
  close(): void {
    for (const job of this.jobs.values()) job.abort?.abort();
  }

  private job(jobId: string): Job {
    const job = this.jobs.get(jobId);
    if (!job) throw new OutpostError('NOT_FOUND', `No fan-out job ${jobId} (jobs live in the process that ran them and only the latest ${this.o.historyJobs ?? 20} are kept).`);
    return job;
  }

  private summaryOf(job: Job): FanoutJobSummary {
    return { ...job.summary, totals: totalsOf(job.rows) };
  }

  private view(job: Job): FanoutJob {
    return { ...this.summaryOf(job), rows: job.rows.map((r) => ({ ...r })) };
  }

  private prune(): void {
    const keep = this.o.historyJobs ?? 20;
    const finished = [...this.jobs.values()].filter((j) => j.summary.state !== 'running');
    const running = this.jobs.size - finished.length;
    for (const j of finished.slice(0, Math.max(0, finished.length - Math.max(0, keep - running)))) this.jobs.delete(j.summary.id);
  }

  /** A host's kept output (the last outputBytes of each stream), with the lines matching `query` (case-insensitive). */
  output(jobId: string, host: string, query?: string): { host: string; stdout: string; stderr: string; droppedBytes: { stdout: number; stderr: number }; endBytes: { stdout: number; stderr: number }; matches: { stream: 'stdout' | 'stderr'; line: number; text: string }[] } {
    const job = this.job(jobId);
    const row = job.rows.find((r) => r.host === host);
    if (!row) throw new OutpostError('NOT_FOUND', `Fan-out ${jobId} has no host ${host}.`);
    const out = job.outputs[row.index]!;
    const stdout = out.stdout.text();
    const stderr = out.stderr.text();
    const matches: { stream: 'stdout' | 'stderr'; line: number; text: string }[] = [];
    const q = query?.toLowerCase();
    if (q) {
      for (const [stream, text] of [['stdout', stdout], ['stderr', stderr]] as const) {
        for (const [i, line] of text.split('\n').entries()) {
          if (matches.length >= 1000) break;
          if (line.toLowerCase().includes(q)) matches.push({ stream, line: i + 1, text: line.length > 500 ? `${line.slice(0, 500)}…` : line });
        }
      }
    }
    return { host, stdout, stderr, droppedBytes: { stdout: out.stdout.dropped, stderr: out.stderr.dropped }, endBytes: { stdout: out.stdout.written, stderr: out.stderr.written }, matches };
  }

  /** The hosts of a finished job whose command failed (not cancelled, not ok): what "re-run failed" runs. */
  failedHosts(jobId: string): string[] {
    const job = this.job(jobId);
    return job.rows.filter((r, i) => r.state === 'done' && (r.exitCode !== 0 || r.error) && job.addresses[i]).map((r) => r.host);
  }

  private run(job: Job, indexes: number[], actor: string): void {
    const { signal } = job.abort!;
    // Its own pool, closed at the end: a fan-out to thousands of hosts must not leave them all connected.
    // Targets behind the same jump host share one connection to it (one bastion login per chain, not one per host).
    const pool = sshPool({ hostKeys: this.o.hostKeys, readyTimeoutMs: Math.min(15_000, Math.max(1000, job.summary.timeoutMs)), keepAliveIntervalMs: 0, idleMs: 1000, shareJumps: true });
    const auth = job.auth!;
    const authOf = (credential: string): SshAuth => {
      const a = credential === job.summary.credential ? auth : job.jumpAuths[credential];
      if (!a) throw new OutpostError('VALIDATION', `No secret for credential "${credential}" of a jump host.`);
      return a;
    };
    const targetOf = (a: Address): SshTarget => ({
      host: a.host,
      port: a.port,
      user: a.user ?? job.user,
      auth,
      jumps: a.jumps.map((j) => ({ host: j.host, port: j.port, user: j.user, auth: authOf(j.credential) })),
    });
    const limit = this.o.outputBytes ?? DEFAULT_OUTPUT_BYTES;
    // Live output, batched: one event per job every 100 ms at most, bounded in size.
    let batch: FanoutOutputChunk[] = [];
    let batchChars = 0;
    let timer: NodeJS.Timeout | null = null;
    const flush = (): void => {
      timer = null;
      if (batch.length) this.o.onOutput?.(job.summary.id, batch);
      batch = [];
      batchChars = 0;
    };
    const hosts = indexes.map((i) => ({ index: i, label: job.rows[i]!.host, target: targetOf(job.addresses[i]!) }));
    for (const i of indexes) job.outputs[i] = { stdout: new OutputRing(limit), stderr: new OutputRing(limit) };
    const update = (i: number, patch: Partial<FanoutRow>): void => {
      job.rows[i] = { ...job.rows[i]!, ...patch };
      this.o.onResult(job.summary.id, { ...job.rows[i]! }, totalsOf(job.rows));
    };
    void runFanout(hosts, job.summary.command, {
      pool,
      concurrency: job.summary.concurrency,
      timeoutMs: job.summary.timeoutMs,
      signal,
      outputBytes: limit,
      rings: (i) => job.outputs[i]!,
      onStart: (i) => update(i, { state: 'running' }),
      onOutput: (i, stream, chunk) => {
        if (!this.o.onOutput || batchChars >= MAX_BATCH_CHARS) return;
        const text = chunk.toString('utf8');
        const ring = job.outputs[i]![stream];
        batch.push({ index: i, stream, text, end: ring.written });
        batchChars += text.length;
        timer ??= setTimeout(flush, 100);
      },
      onResult: (r) => {
        const out = headOf(r.stdout.text(), this.o.headLines ?? 20, this.o.headChars ?? 4000);
        const err = headOf(r.stderr.text(), this.o.headLines ?? 20, this.o.headChars ?? 4000);
        update(r.index, { state: r.cancelled ? 'cancelled' : 'done', exitCode: r.exitCode, durationMs: r.durationMs, stdoutHead: out.text, stderrHead: err.text, truncated: out.cut || err.cut || r.stdout.dropped > 0 || r.stderr.dropped > 0, error: r.error });
      },
    }).finally(async () => {
      if (timer) clearTimeout(timer);
      flush();
      pool.close();
      job.abort = null;
      job.auth = null;
      job.jumpAuths = {};
      const state = signal.aborted ? 'cancelled' : 'done';
      job.summary = { ...job.summary, state, finishedAt: new Date().toISOString() };
      const totals = totalsOf(job.rows);
      const durationMs = Math.round(performance.now() - job.started);
      await this.o.audit.append({
        actor,
        action: 'ssh.fanout',
        target: tallyText(totals),
        outcome: totals.failed || totals.cancelled ? 'failed' : 'ok',
        details: { jobId: job.summary.id, command: auditCommand(job.summary.command), hosts: totals.total, ok: totals.ok, failed: totals.failed, cancelled: totals.cancelled, credential: job.summary.credential, state },
      });
      this.o.onDone(job.summary.id, state, totals, durationMs);
      this.prune();
    });
  }
}
