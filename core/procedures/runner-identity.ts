import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { z } from 'zod';

/**
 * The process driving a run. `id` is unique per process (a pid is only unique on one machine, and
 * a team database is shared by several); `machine` tells whether the holder runs on this machine,
 * where its pid can be checked.
 */
export const runnerSchema = z.object({
  id: z.string().optional(),
  host: z.string(),
  machine: z.string().optional(),
  pid: z.number().int(),
  startedAt: z.string(),
});
export type RunnerIdentity = z.infer<typeof runnerSchema>;

/** /etc/machine-id where there is one (two laptops may share a hostname), else the hostname. */
function machineId(): string {
  try {
    const id = readFileSync('/etc/machine-id', 'utf8').trim();
    if (/^[0-9a-f]{16,64}$/i.test(id)) return `${hostname()}/${id}`;
  } catch {
    // no machine id on this OS: the hostname has to do
  }
  return hostname();
}

/** This workstation's name in audit rows and procedure runs. */
export const workstationName = hostname();

export const thisRunner: RunnerIdentity = { id: randomUUID(), host: hostname(), machine: machineId(), pid: process.pid, startedAt: new Date().toISOString() };

function isThisProcess(runner: RunnerIdentity): boolean {
  if (runner.id !== undefined) return runner.id === thisRunner.id;
  return runner.host === thisRunner.host && runner.pid === thisRunner.pid && runner.startedAt === thisRunner.startedAt;
}

/**
 * Whether the process that holds a run is certainly gone: its lease ran out (it stopped renewing
 * it), or it ran on this very machine and no such pid lives (a restart after kill -9 resumes at
 * once). A runner on another machine is trusted until its lease ends.
 */
export function runnerIsGone(runner: RunnerIdentity | null, now: Date, leaseUntil: string | null): boolean {
  if (!runner) return true;
  if (isThisProcess(runner)) return false;
  if (leaseUntil !== null && new Date(leaseUntil) < now) return true;
  if ((runner.machine ?? runner.host) !== (runner.machine === undefined ? thisRunner.host : thisRunner.machine)) return false;
  try {
    process.kill(runner.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
