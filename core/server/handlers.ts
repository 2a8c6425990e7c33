import type { CommandName, CommandOutput, CommandParsedInput, Transport } from '../contract/commands.js';
import { OutpostError } from '../contract/errors.js';
import type { ProcedureDetail, ProcedureSummary } from '../contract/commands.js';
import { certificateHandlers } from './certificate-handlers.js';
import { helperHandlers } from './helper-handlers.js';
import { createRemoteHandlers } from './remote-handlers.js';
import { createFanoutHandlers } from './fanout-handlers.js';
import { createTerminalHandlers } from './terminal-handlers.js';
import { inventoryHandlers } from './inventory-handlers.js';
import { networkingHandlers } from './networking-handlers.js';
import { upgradeHandlers } from './upgrade-handlers.js';
import { createEnrollmentHandlers } from './enrollment-handlers.js';
import type { Services } from './services.js';
import { resolveNatPublicSource } from '../procedures/nat-add.js';

/** Who is calling: the transport and the actor recorded in the audit log. */
export interface Caller {
  transport: Transport;
  actor: string;
}

export type Handler<N extends CommandName> = (
  input: CommandParsedInput<N>,
  caller: Caller,
) => CommandOutput<N> | Promise<CommandOutput<N>>;

/** One handler per command; the mapped type makes a missing or misnamed handler a compile error. */
export type Handlers = { [N in CommandName]: Handler<N> };

export function createHandlers(s: Services): Handlers {
  return {
    'app.info': () => s.info(),
    'status.get': () => s.status(),
    'settings.get': () => s.settings.get(),
    'settings.update': (patch, caller) => s.settings.update(patch, caller.actor),
    'audit.list': (query) => s.audit.list(query),
    'sites.list': () => s.sites.list(),
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
    'ipam.pools.list': () => s.ipam.pools(),
    'ipam.pools.add': (input, caller) => {
      s.ipam.addPool(input, caller.actor);
      const pool = s.ipam.pools().find((p) => p.name === input.name.trim());
      if (!pool) throw new OutpostError('INTERNAL', `Pool ${input.name} was added but cannot be read back.`);
      return pool;
    },
    'ipam.allocations.list': (q) => s.ipam.allocations(q),
    'firewalls.list': () => s.nat.firewalls(),
    'firewalls.add': (input, caller) => s.nat.addFirewall(input, caller.actor),
    'nat.list': (q) => s.nat.list(q),
    'nat.add': (input, caller) => {
      s.nat.firewall(input.firewall); // a clear NOT_FOUND now rather than a failed run later
      return { procedureId: s.engine.start('nat.add', resolveNatPublicSource(s.ipam, input), caller.actor) };
    },
    'nat.remove': ({ publicIp }, caller) => {
      if (!s.nat.liveByPublic(publicIp)) throw new OutpostError('NOT_FOUND', `No live NAT for ${publicIp}.`);
      return { procedureId: s.engine.start('nat.remove', { publicIp }, caller.actor) };
    },
    ...helperHandlers(s),
    ...certificateHandlers(s),
    'vault.status': () => s.vault.state(),
    'vault.unlock': ({ passphrase }, caller) => {
      const wasInitialised = s.vault.state().initialised;
      try {
        const state = s.vault.unlock(passphrase);
        s.audit.append({ actor: caller.actor, action: wasInitialised ? 'vault.unlock' : 'vault.create' });
        s.emitStatus();
        return state;
      } catch (err) {
        s.audit.append({ actor: caller.actor, action: 'vault.unlock', outcome: 'failed' });
        throw err;
      }
    },
    ...createRemoteHandlers(s),
    ...createFanoutHandlers(s),
    ...createTerminalHandlers(s),
    ...inventoryHandlers(s),
    ...networkingHandlers(s),
    ...upgradeHandlers(s),
    ...createEnrollmentHandlers(s),
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
