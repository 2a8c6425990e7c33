import { z } from 'zod';
import { OutpostError } from '../contract/errors.js';
import { verifyNatGone } from './nat-verify.js';
import { defineProcedure } from '../procedures/procedure.js';
import type { NatProcedureServices } from './nat-add.procedure.js';

const context = z.object({
  publicIp: z.string().min(1),
  // Filled in by the steps:
  recordId: z.number().int().optional(),
  firewall: z.string().optional(),
  privateIp: z.string().optional(),
  manualInstructions: z.string().optional(),
});
export type NatRemoveContext = z.infer<typeof context>;

const mapping = (c: NatRemoveContext) => ({ recordId: c.recordId!, publicIp: c.publicIp, privateIp: c.privateIp! });

/**
 * Removes a 1:1 NAT. Stops (does not roll back) on failure: re-adding a NAT the operator asked
 * to remove is never the safe default; retry or investigate instead.
 */
export const natRemove = defineProcedure<NatRemoveContext, NatProcedureServices>({
  kind: 'nat.remove',
  title: 'Remove 1:1 NAT',
  context,
  target: (c) => c.publicIp,
  onFailure: 'stop',
  steps: [
    {
      name: 'find-record',
      title: 'Find the NAT record',
      async run({ context: c, services, actor }) {
        const r = c.recordId !== undefined ? await services.nat.record(c.recordId) : await services.nat.liveByPublic(c.publicIp);
        if (!r || r.state === 'removed') throw new OutpostError('NOT_FOUND', `No live NAT for ${c.publicIp}.`);
        if (r.state !== 'removing') await services.nat.setState(r.id, 'removing', actor);
        return { output: { recordId: r.id }, context: { recordId: r.id, firewall: r.firewall, privateIp: r.privateIp, publicIp: r.publicIp } };
      },
      async undo({ context: c, services, actor }) {
        // Rolled back before the record was closed: the NAT is still there, say so.
        if (c.recordId !== undefined && (await services.nat.record(c.recordId)).state === 'removing') await services.nat.setState(c.recordId, 'active', actor);
      },
    },
    {
      name: 'remove-rules',
      title: 'Remove the firewall rules',
      async run({ context: c, services }) {
        const outcome = await (await services.nat.driver(c.firewall!)).remove(mapping(c));
        if (!outcome.applied) return { output: { applied: false }, context: { manualInstructions: outcome.instructions } };
        return { output: { applied: true, changed: outcome.changed } };
      },
    },
    {
      name: 'operator-confirms',
      title: 'Operator removes the rules and confirms',
      when: (c) => c.manualInstructions !== undefined,
      gate: { kind: 'approve', prompt: (c) => `Remove on firewall ${c.firewall ?? '?'}, then approve:\n${c.manualInstructions ?? ''}` },
    },
    {
      name: 'verify-gone',
      title: 'Read back: no rule left',
      when: (c) => c.manualInstructions === undefined,
      async run({ context: c, services }) {
        await verifyNatGone(services.nat, c.firewall!, c.recordId!);
        return { output: { verified: true } };
      },
    },
    {
      name: 'release-public-ip',
      title: 'Release the public address in IPAM',
      async run({ context: c, services, actor }) {
        const held = await services.ipam.holderOf(c.publicIp);
        if (!held || held.purpose !== 'public-nat') return { output: { released: null } };
        await services.ipam.release({ pool: held.pool, owner: held.owner, purpose: held.purpose }, actor);
        return { output: { released: held.address, pool: held.pool } };
      },
    },
    {
      name: 'close-record',
      title: 'Close the NAT record',
      async run({ context: c, services, actor }) {
        await services.nat.setState(c.recordId!, 'removed', actor);
        await services.audit.append({ actor, action: 'nat.remove', target: c.publicIp, details: { firewall: c.firewall, privateIp: c.privateIp, recordId: c.recordId } });
        return { output: { recordId: c.recordId } };
      },
    },
    {
      // After the record closed: the firewall-wide allow-list no longer covers the address either.
      name: 'drop-policy',
      title: "Remove the address's allow-list",
      async run({ context: c, services, actor, log }) {
        const closed = await services.natPolicy.closeAllowsFor(c.firewall!, c.publicIp, actor);
        const observed = c.manualInstructions === undefined ? await (await services.nat.driver(c.firewall!)).observePolicy() : [];
        const stale = observed.some((r) => r.kind !== 'hook' && r.publicIp === c.publicIp);
        if (closed === 0 && !stale) return { output: { closed: 0 } };
        const outcome = await services.natPolicy.apply(c.firewall!);
        if (!outcome.applied) log('warn', `Remove the allow-list of ${c.publicIp} by hand; the policy is now:\n${outcome.instructions}`);
        return { output: { closed, applied: outcome.applied } };
      },
    },
  ],
});
