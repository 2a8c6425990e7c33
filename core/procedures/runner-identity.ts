import { hostname } from 'node:os';

export interface RunnerIdentity {
  host: string;
  pid: number;
  startedAt: string;
}

export const thisRunner: RunnerIdentity = { host: hostname(), pid: process.pid, startedAt: new Date().toISOString() };

/**
 * Whether the process that holds a run is certainly gone: same machine and no such pid (or the
 * pid was reused by a newer process). A runner on another machine is trusted until its lease ends.
 */
export function runnerIsGone(runner: RunnerIdentity | null, now: Date, leaseUntil: string | null): boolean {
  if (!runner) return true;
  if (runner.host === thisRunner.host && runner.pid === thisRunner.pid && runner.startedAt === thisRunner.startedAt) return false;
  if (leaseUntil !== null && new Date(leaseUntil) < now) return true;
  if (runner.host !== thisRunner.host) return false;
  try {
    process.kill(runner.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
