import type { ProcedureDetail, ProcedureSummary, procedureCommands } from '../../contract/procedures.js';
import type { Services } from '../services.js';
import type { DomainHandlers } from './index.js';

/** Durable procedure runs: list, inspect, approve a gate, cancel, retry, roll back. */
export function procedureHandlers(s: Services): DomainHandlers<typeof procedureCommands> {
  return {
    'procedures.list': (query) => s.procedures.list(query),
    'procedures.get': ({ id }) => procedureDetail(s, id),
    'procedures.approve': ({ id }, caller) => {
      s.engine.approve(id, caller.actor);
      return summary(s, id);
    },
    'procedures.cancel': ({ id }, caller) => {
      s.engine.cancel(id, caller.actor);
      return summary(s, id);
    },
    'procedures.retry': ({ id }, caller) => {
      s.engine.retry(id, caller.actor);
      return summary(s, id);
    },
    'procedures.rollback': ({ id }, caller) => {
      s.engine.rollback(id, caller.actor);
      return summary(s, id);
    },
  };
}

function summary(s: Services, id: string): ProcedureSummary {
  const { procedure: p } = s.engine.detail(id);
  return { id: p.id, kind: p.kind, state: p.state, target: p.target, createdAt: p.createdAt, updatedAt: p.updatedAt, createdBy: p.createdBy };
}

function procedureDetail(s: Services, id: string): ProcedureDetail {
  const { procedure: p, steps } = s.engine.detail(id);
  const definition = s.engine.definition(p.kind);
  return {
    procedure: { ...summary(s, id), title: definition?.title ?? p.kind, context: p.context, error: p.error, finishedAt: p.finishedAt, cancelRequested: p.cancelRequested },
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
    journal: s.engine.store.journal(id).map((j) => ({ id: j.id, stepIdx: j.stepIdx, at: j.at, level: j.level, message: j.message })),
  };
}
