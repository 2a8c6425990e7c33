import { z } from 'zod';
import { OutpostError, atFieldAsync } from '../contract/errors.js';
import { changedNothing } from './firewall-driver.js';
import { verifyNatApplied } from './nat-verify.js';
import { defineProcedure } from '../procedures/procedure.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Ipam } from '../ipam/ipam.js';
import type { NatService } from './nat-service.js';
import type { NatPolicyService } from './nat-policy-service.js';

/** What the NAT procedures' steps use; the composition root's services object has them. */
export interface NatProcedureServices {
  audit: AuditLog;
  ipam: Ipam;
  nat: NatService;
  natPolicy: NatPolicyService;
}

const context = z
  .object({
    firewall: z.string().min(1),
    privateIp: z.string().min(1),
    /** A specific public address; with `pool`, it is allocated there, otherwise used as given. */
    publicIp: z.string().optional(),
    /** Allocate the public address from this IPAM pool. */
    pool: z.string().optional(),
    vm: z.string().nullable().optional(),
    // Filled in by the steps:
    recordId: z.number().int().optional(),
    manualInstructions: z.string().optional(),
  })
  .refine((c) => c.publicIp !== undefined || c.pool !== undefined, { message: 'give a public IP, or a pool to allocate one from' });
export type NatAddContext = z.infer<typeof context>;

export const natOwner = (firewall: string, privateIp: string): string => `nat:${firewall}:${privateIp}`;

/**
 * Where a NAT's public address comes from, decided before the run starts: always a public IPAM
 * pool, so IPAM stays the truth about who holds which public address. A typed address is
 * allocated in the public pool that holds it (or in the one named); an address outside every
 * public pool, or a pool's network or broadcast address, is refused with the field named.
 */
export async function resolveNatPublicSource<T extends { publicIp?: string | undefined; pool?: string | undefined }>(ipam: Ipam, input: T): Promise<T & { pool: string }> {
  if (input.pool !== undefined) {
    const pool = await atFieldAsync(['pool'], () => ipam.pool(input.pool!));
    if (pool.kind !== 'public') {
      throw new OutpostError('VALIDATION', `Pool ${pool.name} is a private pool; a NAT's public address comes from a public pool (ipam pool add --kind public).`, {
        issues: [{ path: ['pool'], message: 'not a public pool' }],
      });
    }
    if (input.publicIp !== undefined) await atFieldAsync(['publicIp'], () => ipam.checkUsable(pool.name, input.publicIp!));
    return { ...input, pool: pool.name };
  }
  const publicIp = input.publicIp;
  if (publicIp === undefined) throw new OutpostError('VALIDATION', 'Give a public address, or a pool to allocate one from.');
  return atFieldAsync(['publicIp'], async () => {
    const pools = await ipam.poolsContaining(publicIp, 'public');
    if (pools.length === 0) {
      throw new OutpostError('VALIDATION', `${publicIp} is in no public pool: add the pool that owns it (ipam pool add --kind public) or give --pool to allocate one.`);
    }
    if (pools.length > 1) throw new OutpostError('VALIDATION', `${publicIp} is in public pools ${pools.map((p) => p.name).join(', ')}; say which with --pool.`);
    await ipam.checkUsable(pools[0]!.name, publicIp);
    return { ...input, pool: pools[0]!.name };
  });
}

const mapping = (c: NatAddContext) => {
  if (c.recordId === undefined || c.publicIp === undefined) throw new OutpostError('INTERNAL', 'NAT add: the record step has not run.');
  return { recordId: c.recordId, publicIp: c.publicIp, privateIp: c.privateIp };
};

/** Adds a 1:1 NAT: public address (allocated or given) -> record -> firewall rules -> verify -> active. */
export const natAdd = defineProcedure<NatAddContext, NatProcedureServices>({
  kind: 'nat.add',
  title: 'Add 1:1 NAT',
  context,
  target: (c) => c.publicIp ?? `${c.privateIp} (public from ${c.pool ?? '?'})`,
  steps: [
    {
      name: 'allocate-public-ip',
      title: 'Allocate the public address in IPAM',
      when: (c) => c.pool !== undefined,
      async run({ context: c, services, procedureId, actor }) {
        const a = await services.ipam
          .allocate({ pool: c.pool!, owner: natOwner(c.firewall, c.privateIp), purpose: 'public-nat', procedureId, ...(c.publicIp ? { address: c.publicIp } : {}) }, actor)
          .catch(async (err: unknown) => {
            // The address is held by another NAT (another operator's run, maybe started at the same
            // moment on another workstation): that is a NAT conflict, not an IPAM one.
            if (err instanceof OutpostError && err.code === 'IP_CONFLICT' && c.publicIp !== undefined) {
              const holder = await services.ipam.holderOf(c.publicIp);
              if (holder && holder.purpose === 'public-nat' && holder.owner !== natOwner(c.firewall, c.privateIp)) {
                throw new OutpostError('NAT_CONFLICT', `${holder.address} is already NATed (or being NATed) for ${holder.owner.replace(/^nat:/, '')} by ${holder.allocatedBy}.`, { address: holder.address, owner: holder.owner });
              }
            }
            throw err;
          });
        return { output: { address: a.address, pool: a.pool }, context: { publicIp: a.address } };
      },
      async undo({ context: c, services, actor, procedureId }) {
        await services.ipam.release({ pool: c.pool!, owner: natOwner(c.firewall, c.privateIp), purpose: 'public-nat', procedureId }, actor);
      },
    },
    {
      name: 'record',
      title: 'Record the NAT',
      async run({ context: c, services, procedureId, actor }) {
        const r = await services.nat.ensureRecord({ firewall: c.firewall, publicIp: c.publicIp!, privateIp: c.privateIp, vm: c.vm ?? null, procedureId }, actor);
        return { output: { recordId: r.id }, context: { recordId: r.id, publicIp: r.publicIp } };
      },
      async undo({ context: c, services, actor }) {
        if (c.recordId === undefined) return;
        const r = await services.nat.record(c.recordId);
        if (r.state !== 'removed') await services.nat.setState(r.id, 'removed', actor);
      },
    },
    {
      // Before the NAT rules, so an address under an allow-list (the firewall's own) is never open, even briefly.
      name: 'apply-policy',
      title: 'Put the allow-list on the address first',
      async run({ context: c, services, log }) {
        if (!(await services.natPolicy.guards(c.firewall, c.publicIp!))) return { output: { guarded: false } };
        const outcome = await services.natPolicy.apply(c.firewall);
        if (!outcome.applied) {
          log('info', 'This firewall is driven by hand: the allow-list commands come with the NAT commands.');
          return { output: { guarded: true }, context: { manualInstructions: outcome.instructions } };
        }
        await services.natPolicy.verify(c.firewall);
        log('info', `${c.publicIp} is under an allow-list: only listed sources reach it.`);
        return { output: { guarded: true } };
      },
      async undo({ context: c, services, log, previousError, previousOutput }) {
        if (changedNothing(previousError) || c.recordId === undefined) return;
        if (typeof previousOutput === 'object' && previousOutput !== null && 'guarded' in previousOutput && previousOutput.guarded === false) return;
        const outcome = await services.natPolicy.apply(c.firewall, c.recordId);
        if (!outcome.applied) log('warn', `Put this policy back by hand:\n${outcome.instructions}`);
      },
    },
    {
      name: 'apply-rules',
      title: 'Ensure the firewall rules',
      async run({ context: c, services, log }) {
        const outcome = await (await services.nat.driver(c.firewall)).ensure(mapping(c));
        if (!outcome.applied) {
          log('info', 'This firewall is driven by hand: the commands are in the approval step.');
          // Policy first (from apply-policy, when the address has an allow-list), then the NAT.
          const instructions = c.manualInstructions && !c.manualInstructions.includes(outcome.instructions) ? `${c.manualInstructions}\n${outcome.instructions}` : outcome.instructions;
          return { output: { applied: false }, context: { manualInstructions: instructions } };
        }
        log('info', outcome.changed ? 'Rules added' : 'Rules were already in place');
        return { output: { applied: true, changed: outcome.changed } };
      },
      async undo({ context: c, services, log, previousError }) {
        if (c.recordId === undefined || c.publicIp === undefined) return;
        if (changedNothing(previousError)) {
          log('info', 'The firewall was not changed before the failure; nothing to remove.');
          return;
        }
        const outcome = await (await services.nat.driver(c.firewall)).remove(mapping(c));
        if (!outcome.applied) log('warn', `Remove these rules by hand if they were applied:\n${outcome.instructions}`);
      },
    },
    {
      name: 'operator-confirms',
      title: 'Operator applies the rules and confirms',
      when: (c) => c.manualInstructions !== undefined,
      gate: { kind: 'approve', prompt: (c) => `Apply on firewall ${c.firewall}, then approve:\n${c.manualInstructions ?? ''}` },
    },
    {
      name: 'verify-rules',
      title: 'Read the rules back',
      when: (c) => c.manualInstructions === undefined,
      async run({ context: c, services }) {
        await verifyNatApplied(services.nat, c.firewall, mapping(c));
        return { output: { verified: true } };
      },
    },
    {
      name: 'activate',
      title: 'Mark the NAT active',
      async run({ context: c, services, actor }) {
        await services.nat.setState(c.recordId!, 'active', actor);
        await services.audit.append({ actor, action: 'nat.add', target: c.publicIp!, details: { firewall: c.firewall, privateIp: c.privateIp, recordId: c.recordId, vm: c.vm ?? null } });
        return { output: { recordId: c.recordId } };
      },
      async undo({ context: c, services, actor }) {
        if (c.recordId !== undefined && (await services.nat.record(c.recordId)).state === 'active') await services.nat.setState(c.recordId, 'pending', actor);
      },
    },
  ],
});
