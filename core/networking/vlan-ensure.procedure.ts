import { z } from 'zod';
import { OutpostError } from '../contract/errors.js';
import { vlanIdSchema } from '../contract/networking.js';
import { toResult, type VlanTarget } from './vlan-service.js';
import { faultPoint } from '../procedures/fault-injection.js';
import { defineProcedure } from '../procedures/procedure.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { VlanService } from './vlan-service.js';

/** What the VLAN procedure's steps use; the composition root's services object has them. */
export interface VlanProcedureServices {
  audit: AuditLog;
  vlan: VlanService;
}

const context = z.object({
  site: z.string().min(1),
  host: z.string().optional(),
  cluster: z.string().optional(),
  nic: z.string().min(1),
  portGroup: z.string().min(1),
  vlanId: vlanIdSchema,
  // Filled in by the check step: the hosts where the port group was missing.
  toCreate: z.array(z.string()).optional(),
});
export type VlanEnsureContext = z.infer<typeof context>;

const target = (c: VlanEnsureContext): VlanTarget => ({ site: c.site, host: c.host, cluster: c.cluster, nic: c.nic, portGroup: c.portGroup, vlanId: c.vlanId });

function vlan(services: VlanProcedureServices): VlanService {
  return services.vlan;
}

/**
 * Seed 003's VLAN workflow as a durable run: check every host (nothing changes unless all pass) →
 * create the missing port groups (an ensure; resumes after a crash) → read every host back →
 * record. A failure after the create step rolls back: the port groups this run created go away.
 */
export const vlanEnsure = defineProcedure<VlanEnsureContext, VlanProcedureServices>({
  kind: 'vlan.ensure',
  title: 'Ensure a VLAN port group',
  context,
  target: (c) => `${c.site}/${c.host ?? c.cluster ?? ''}/${c.portGroup}`,
  // Two ensures of one port group at once would both find it missing, and the one that rolls back
  // would remove the group the other made: one run per site and port group (any host or cluster).
  exclusive: (c) => `vlan.ensure:${c.site.trim()}:${c.portGroup}`,
  steps: [
    {
      name: 'check',
      title: 'Check every host (adapter, vSwitch, port group, VLAN)',
      async run({ context: c, services, log }) {
        const plans = await vlan(services).planTargets(target(c));
        const failed = plans.filter((p) => p.outcome === 'failed');
        if (failed.length > 0) {
          throw new OutpostError('VLAN_CHECK_FAILED', `Nothing was changed: ${failed.length} of ${plans.length} host(s) failed a check. ${failed.map((p) => p.failure).join('; ')}.`, {
            hosts: plans.map((p) => toResult(p)),
          });
        }
        const toCreate = plans.filter((p) => p.outcome === 'create').map((p) => p.host);
        log('info', toCreate.length ? `To create on ${toCreate.join(', ')}` : 'Every host is ready already');
        return { output: { hosts: plans.map((p) => toResult(p)) }, context: { toCreate } };
      },
    },
    {
      name: 'create-port-groups',
      title: 'Create the missing port groups',
      when: (c) => (c.toCreate ?? []).length > 0,
      async run({ context: c, services, log }) {
        const created = await vlan(services).createMissing(target(c), c.toCreate ?? []);
        log('info', created.length ? `Created on ${created.join(', ')}` : 'Already created (resumed run)');
        faultPoint('kill-during', 'vlan.ensure', 'create-port-groups');
        return { output: { created } };
      },
      async undo({ context: c, services, log }) {
        const removed = await vlan(services).removeCreated(target(c), c.toCreate ?? []);
        log('info', removed.length ? `Removed from ${removed.join(', ')}` : 'Nothing to remove');
      },
    },
    {
      name: 'verify',
      title: 'Read every host back',
      async run({ context: c, services }) {
        const plans = await vlan(services).planTargets(target(c));
        const notReady = plans.filter((p) => p.outcome !== 'ready');
        if (notReady.length > 0) {
          throw new OutpostError('VERIFY_FAILED', `A re-read does not show the port group ready: ${notReady.map((p) => p.failure ?? `${p.host}: still ${p.outcome}`).join('; ')}.`, { hosts: plans.map((p) => toResult(p)) });
        }
        const created = new Set(c.toCreate ?? []);
        return { output: { hosts: plans.map((p) => toResult(p, created.has(p.host))) } };
      },
    },
    {
      name: 'record',
      title: 'Record the result',
      async run({ context: c, services, actor, procedureId }) {
        await services.audit.append({
          actor,
          action: 'vlan.ensure',
          target: `${c.site}/${c.host ?? c.cluster ?? ''}/${c.portGroup}`,
          details: { scope: c.host !== undefined ? `host ${c.host}` : `cluster ${c.cluster ?? ''}`, nic: c.nic, portGroup: c.portGroup, vlanId: c.vlanId, created: c.toCreate ?? [], procedureId },
        });
        return { output: { recorded: true } };
      },
    },
  ],
});
