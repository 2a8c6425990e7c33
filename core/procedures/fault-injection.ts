/**
 * Test hook for crash-safety tests: OUTPOST_FAULT names a point where the process kills itself
 * with SIGKILL, e.g. `kill-after:nat.add/ensure-rule`. Phases: kill-before (step marked running,
 * not yet run), kill-during (called by a step between its effect and its return: the effect is
 * made but not committed), kill-after (step committed), kill-after-undo (undo committed).
 * Unset in production.
 */
export type FaultPhase = 'kill-before' | 'kill-during' | 'kill-after' | 'kill-after-undo';

export function faultPoint(phase: FaultPhase, kind: string, step: string, env: NodeJS.ProcessEnv = process.env): void {
  const plan = env.OUTPOST_FAULT;
  if (plan && plan === `${phase}:${kind}/${step}`) process.kill(process.pid, 'SIGKILL');
}
