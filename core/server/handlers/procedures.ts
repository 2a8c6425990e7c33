import type { ProcedureDetail, ProcedureSummary, procedureCommands } from '../../contract/procedures.js';
import type { Services } from '../services.js';
import type { DomainHandlers } from './index.js';

/** Durable procedure runs: list, inspect, approve a gate, cancel, retry, roll back. */
export function procedureHandlers(s: Services): DomainHandlers<typeof procedureCommands> {
  return {
    'procedures.list': (query) => s.procedures.list(query),
    'procedures.get': ({ id }) => procedureDetail(s, id),
    'procedures.approve': async ({ id }, caller) => {
      await s.engine.approve(id, caller.actor);
      return await summary(s, id);
    },
    'procedures.cancel': async ({ id }, caller) => {
      await s.engine.cancel(id, caller.actor);
      return await summary(s, id);
    },
    'procedures.retry': async ({ id }, caller) => {
      await s.engine.retry(id, caller.actor);
      return await summary(s, id);
    },
    'procedures.rollback': async ({ id }, caller) => {
      await s.engine.rollback(id, caller.actor);
      return await summary(s, id);
    },
  };
}

async function summary(s: Services, id: string): Promise<ProcedureSummary> {
  const { procedure: p } = await s.engine.detail(id);
  return { id: p.id, kind: p.kind, state: p.state, target: p.target, createdAt: p.createdAt, updatedAt: p.updatedAt, createdBy: p.createdBy, workstation: p.workstation };
}

async function procedureDetail(s: Services, id: string): Promise<ProcedureDetail> {
  const { procedure: p, steps } = await s.engine.detail(id);
  const definition = s.engine.definition(p.kind);
  return {
    procedure: { ...await summary(s, id), title: definition?.title ?? p.kind, context: p.context, error: p.error, finishedAt: p.finishedAt, cancelRequested: p.cancelRequested },
    steps: steps.map((st) => ({
      idx: st.idx,
      name: st.name,
      title: definition?.steps[st.idx]?.title ?? st.name,
      state: st.state,
      output: st.output,
      error: st.error ? { code: st.error.code, message: st.error.message } : null,
      gate: st.gate,
      attempts: st.attempts,
      startedAt: st.startedAt,
      finishedAt: st.finishedAt,
    })),
    journal: (await s.engine.store.journal(id)).map((j) => ({ id: j.id, stepIdx: j.stepIdx, at: j.at, level: j.level, message: j.message })),
  };
}
