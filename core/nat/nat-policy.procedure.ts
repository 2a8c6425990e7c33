import { z } from 'zod';
import { OutpostError } from '../contract/errors.js';
import { changedNothing } from './firewall-driver.js';
import { defineProcedure, type Step, type StepRun } from '../procedures/procedure.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { NatService } from './nat-service.js';
import type { NatPolicyService } from './nat-policy-service.js';

/** What the firewall policy procedures' steps use. */
export interface NatPolicyProcedureServices {
  audit: AuditLog;
  nat: NatService;
  natPolicy: NatPolicyService;
}

const proto = z.enum(['tcp', 'udp']);
const base = { firewall: z.string().min(1), manualInstructions: z.string().optional() };

/**
 * Every policy change ends the same way: the whole wanted policy of the firewall goes on it (one
 * idempotent sync, so a resumed run never duplicates a rule), a manual firewall waits for the
 * operator, the rules are read back, and the change is audited.
 */
function applyAndVerify<C extends { firewall: string; manualInstructions?: string | undefined }>(): Step<C, NatPolicyProcedureServices>[] {
  return [
    {
      name: 'apply-rules',
      title: 'Put the policy on the firewall',
      async run({ context: c, services, log }) {
        const outcome = await services.natPolicy.apply(c.firewall);
        if (!outcome.applied) {
          log('info', 'This firewall is driven by hand: the commands are in the approval step.');
          return { output: { applied: false }, context: { manualInstructions: outcome.instructions } as Partial<C> };
        }
        log('info', outcome.changed ? 'Rules changed' : 'Rules were already in place');
        return { output: { applied: true, changed: outcome.changed } };
      },
    },
    {
      name: 'operator-confirms',
      title: 'Operator applies the policy and confirms',
      when: (c) => c.manualInstructions !== undefined,
      gate: { kind: 'approve', prompt: (c) => `Apply on firewall ${c.firewall}, then approve:\n${c.manualInstructions ?? ''}` },
    },
    {
      name: 'verify-rules',
      title: 'Read the rules back',
      when: (c) => c.manualInstructions === undefined,
      async run({ context: c, services }) {
        await services.natPolicy.verify(c.firewall);
        return { output: { verified: true } };
      },
    },
  ];
}

/** Rolled back after the row changed: the firewall gets the policy without the change again (best effort; drift shows the rest). */
async function reapply(run: StepRun<{ firewall: string }, NatPolicyProcedureServices>): Promise<void> {
  if (changedNothing(run.previousError)) return;
  try {
    const outcome = await run.services.natPolicy.apply(run.context.firewall);
    if (!outcome.applied) run.log('warn', `Put this policy back by hand:\n${outcome.instructions}`);
  } catch (err) {
    run.log('warn', `Could not put the earlier policy back on ${run.context.firewall} (the reconciler will report the drift): ${(err as Error).message}`);
  }
}

const allowContext = z.object({
  ...base,
  publicIp: z.string().nullable(),
  source: z.string(),
  proto: proto.nullable(),
  port: z.number().int().nullable(),
  allowId: z.number().int().optional(),
  created: z.boolean().optional(),
});
type AllowContext = z.infer<typeof allowContext>;
const allowTarget = (c: AllowContext) => `${c.firewall} ${c.publicIp ?? '*'} <- ${c.source}${c.port !== null ? ` ${c.proto ?? 'tcp'}/${c.port}` : ''}`;
const allowDetails = (c: AllowContext) => ({ firewall: c.firewall, publicIp: c.publicIp, source: c.source, proto: c.proto, port: c.port, allowId: c.allowId });

/** Adds a client source to a NAT's (or the firewall's) allow-list. */
export const natAllow = defineProcedure<AllowContext, NatPolicyProcedureServices>({
  kind: 'nat.allow',
  title: 'Allow a client source',
  context: allowContext,
  target: allowTarget,
  steps: [
    {
      name: 'record',
      title: 'Record the allow-list entry',
      async run({ context: c, services, procedureId, actor }) {
        const r = await services.natPolicy.ensureAllow({ firewall: c.firewall, publicIp: c.publicIp, source: c.source, proto: c.proto, port: c.port }, procedureId, actor);
        return { output: { allowId: r.id }, context: { allowId: r.id, created: r.created } };
      },
      async undo(run) {
        const c = run.context;
        // An entry that was there before this run stays.
        if (c.allowId === undefined || !c.created) return;
        await run.services.natPolicy.setAllowLive(c.allowId, false, run.actor);
        await reapply(run);
      },
    },
    ...applyAndVerify<AllowContext>(),
    {
      name: 'audit',
      title: 'Audit',
      async run({ context: c, services, actor }) {
        await services.audit.append({ actor, action: 'nat.allow', target: allowTarget(c), details: allowDetails(c) });
      },
    },
  ],
});

/** Removes an allow-list entry; the last one removed opens the address to every source again. Stops on failure. */
export const natDisallow = defineProcedure<AllowContext, NatPolicyProcedureServices>({
  kind: 'nat.disallow',
  title: 'Remove a client source',
  context: allowContext,
  target: allowTarget,
  onFailure: 'stop',
  steps: [
    {
      name: 'record',
      title: 'Remove the allow-list entry',
      async run({ context: c, services, actor }) {
        if (c.allowId === undefined) throw new OutpostError('INTERNAL', 'nat.disallow started without the entry id.');
        await services.natPolicy.setAllowLive(c.allowId, false, actor);
        return { output: { allowId: c.allowId } };
      },
    },
    ...applyAndVerify<AllowContext>(),
    {
      name: 'audit',
      title: 'Audit',
      async run({ context: c, services, actor }) {
        await services.audit.append({ actor, action: 'nat.disallow', target: allowTarget(c), details: allowDetails(c) });
      },
    },
  ],
});

const forwardContext = z.object({
  ...base,
  publicIp: z.string(),
  publicPort: z.number().int(),
  proto,
  privateIp: z.string(),
  privatePort: z.number().int(),
  forwardId: z.number().int().optional(),
});
type ForwardContext = z.infer<typeof forwardContext>;
const forwardTarget = (c: ForwardContext) => `${c.publicIp}:${c.publicPort}/${c.proto}`;
const forwardDetails = (c: ForwardContext) => ({ firewall: c.firewall, privateIp: c.privateIp, privatePort: c.privatePort, forwardId: c.forwardId });

/** Forwards public IP:port to private IP:port. */
export const natForward = defineProcedure<ForwardContext, NatPolicyProcedureServices>({
  kind: 'nat.forward',
  title: 'Add a port forward',
  context: forwardContext,
  target: forwardTarget,
  steps: [
    {
      name: 'record',
      title: 'Record the port forward',
      async run({ context: c, services, procedureId, actor }) {
        const r = await services.natPolicy.ensureForward(
          { firewall: c.firewall, publicIp: c.publicIp, publicPort: c.publicPort, proto: c.proto, privateIp: c.privateIp, privatePort: c.privatePort },
          procedureId,
          actor,
        );
        return { output: { forwardId: r.id }, context: { forwardId: r.id } };
      },
      async undo(run) {
        if (run.context.forwardId === undefined) return;
        await run.services.natPolicy.setForwardLive(run.context.forwardId, false, run.actor);
        await reapply(run);
      },
    },
    ...applyAndVerify<ForwardContext>(),
    {
      name: 'audit',
      title: 'Audit',
      async run({ context: c, services, actor }) {
        await services.audit.append({ actor, action: 'nat.forward', target: forwardTarget(c), details: forwardDetails(c) });
      },
    },
  ],
});

/** Removes a port forward (and its entries in the address's allow-list stay: they are the operator's). Stops on failure. */
export const natUnforward = defineProcedure<ForwardContext, NatPolicyProcedureServices>({
  kind: 'nat.unforward',
  title: 'Remove a port forward',
  context: forwardContext,
  target: forwardTarget,
  onFailure: 'stop',
  steps: [
    {
      name: 'record',
      title: 'Close the port forward',
      async run({ context: c, services, actor }) {
        if (c.forwardId === undefined) throw new OutpostError('INTERNAL', 'nat.unforward started without the forward id.');
        await services.natPolicy.setForwardLive(c.forwardId, false, actor);
        return { output: { forwardId: c.forwardId } };
      },
    },
    ...applyAndVerify<ForwardContext>(),
    {
      name: 'audit',
      title: 'Audit',
      async run({ context: c, services, actor }) {
        await services.audit.append({ actor, action: 'nat.unforward', target: forwardTarget(c), details: forwardDetails(c) });
      },
    },
  ],
});

const reconcileContext = z.object({ ...base });
type ReconcileContext = z.infer<typeof reconcileContext>;

/** Repairs drift on one firewall: 1:1 NAT rules back to their records, then the policy back to the store. */
export const natReconcile = defineProcedure<ReconcileContext, NatPolicyProcedureServices>({
  kind: 'nat.reconcile',
  title: 'Repair firewall drift',
  context: reconcileContext,
  target: (c) => c.firewall,
  onFailure: 'stop',
  steps: [
    {
      name: 'repair-nat',
      title: 'Put the 1:1 NAT rules back',
      async run({ context: c, services, log }) {
        const r = await services.natPolicy.repairNat(c.firewall);
        if (r.removed.length) log('info', `Removed rules of records ${r.removed.join(', ')} (no live record)`);
        if (r.ensured.length) log('info', `Restored rules of records ${r.ensured.join(', ')}`);
        return { output: r };
      },
    },
    ...applyAndVerify<ReconcileContext>(),
    {
      name: 'check',
      title: 'Check again',
      async run({ context: c, services, actor }) {
        const status = await services.natPolicy.check(c.firewall, actor);
        if (status.state !== 'in-sync') throw new OutpostError('NAT_DRIFT', `Firewall ${c.firewall} still drifts: ${status.items.map((i) => `${i.kind} ${i.detail}`).join('; ') || status.error?.message}.`, { status });
        await services.audit.append({ actor, action: 'nat.reconcile', target: c.firewall, details: { repaired: true } });
        return { output: { state: status.state } };
      },
    },
  ],
});
