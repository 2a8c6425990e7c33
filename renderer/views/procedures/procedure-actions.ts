import type { ProcedureDetail, ProcedureState } from '../../../core/contract';

export type ProcedureStep = ProcedureDetail['steps'][number];

export interface ProcedureActions {
  /** The step waiting at an approval gate, when the run is waiting for the operator. */
  approveStep: ProcedureStep | null;
  cancel: boolean;
  retry: boolean;
  rollback: boolean;
}

const ENDED: readonly ProcedureState[] = ['succeeded', 'rolled-back', 'cancelled'];

/**
 * Which actions the engine would accept for this run right now (the same rules it checks), so
 * the page offers only those. The engine still decides: a stale page gets a CONFLICT toast.
 */
export function procedureActions(detail: ProcedureDetail): ProcedureActions {
  const { procedure, steps } = detail;
  const waiting = steps.find((s) => s.state === 'waiting');
  const approveStep = procedure.state === 'waiting' && waiting?.gate?.kind === 'approve' && !waiting.gate.approvedBy ? waiting : null;
  const failedStep = steps.some((s) => s.state === 'failed');
  return {
    approveStep,
    cancel: !ENDED.includes(procedure.state) && procedure.state !== 'failed' && procedure.state !== 'rolling-back' && !procedure.cancelRequested,
    retry: procedure.state === 'failed' && failedStep && !procedure.cancelRequested,
    rollback: procedure.state === 'failed',
  };
}

/** A step's output in one line: enough for the timeline, the tooltip has the whole value. */
export function summariseOutput(output: unknown): string {
  if (output === null || output === undefined) return '';
  if (typeof output === 'object' && !Array.isArray(output)) {
    const parts = Object.entries(output as Record<string, unknown>).map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
    const text = parts.join(', ');
    return text.length > 160 ? `${text.slice(0, 157)}…` : text;
  }
  const text = typeof output === 'string' ? output : JSON.stringify(output);
  return text.length > 160 ? `${text.slice(0, 157)}…` : text;
}
