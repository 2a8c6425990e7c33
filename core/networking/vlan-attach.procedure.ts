import { z } from 'zod';
import { OutpostError } from '../contract/errors.js';
import { faultPoint } from '../procedures/fault-injection.js';
import { defineProcedure } from '../procedures/procedure.js';
import type { AuditLog } from '../audit/audit-log.js';
import { nicBackingSchema, type AttachPlan, type VmNetworkService } from './vm-network-service.js';

/** What the attach procedure's steps use; the composition root's services object has them. */
export interface VlanAttachProcedureServices {
  audit: AuditLog;
  vmNetwork: VmNetworkService;
}

const planSchema = z.object({
  moref: z.string(),
  vmName: z.string(),
  nicIndex: z.number().int(),
  nicKey: z.number().int().nullable(),
  previous: nicBackingSchema.nullable(),
  previousName: z.string().nullable(),
  target: nicBackingSchema,
  keysBefore: z.array(z.number().int()),
});

const context = z.object({
  site: z.string().min(1),
  vm: z.string().min(1),
  portGroup: z.string().min(1),
  nic: z.number().int().optional(),
  add: z.boolean(),
  // Filled in by the check step, before anything changes: which NIC and its previous backing (the undo's input).
  plan: planSchema.optional(),
  changed: z.boolean().optional(),
});
export type VlanAttachContext = z.infer<typeof context>;

const planOf = (c: VlanAttachContext): AttachPlan => {
  if (!c.plan) throw new OutpostError('INTERNAL', 'vlan.attach: the check step has not run.');
  return c.plan;
};

/**
 * Seed 003 step 6, "spawn the VM using this port group", as a durable run: check (the VM, the
 * NIC, the port group on the VM's host; the NIC's current network recorded) → connect the NIC
 * (edit its backing, or add a vmxnet3 NIC) → read it back → audit. A failure after the change
 * rolls back: the NIC returns to its previous network, an added NIC is removed.
 */
export const vlanAttach = defineProcedure<VlanAttachContext, VlanAttachProcedureServices>({
  kind: 'vlan.attach',
  title: "Connect a VM's network adapter to a port group",
  context,
  target: (c) => `${c.site}/${c.plan?.vmName ?? c.vm}`,
  steps: [
    {
      name: 'check',
      title: 'Check the VM, its adapter and the port group on its host',
      async run({ context: c, services, log }) {
        const plan = await services.vmNetwork.plan({ site: c.site, vm: c.vm, portGroup: c.portGroup, nic: c.nic, add: c.add });
        log('info', plan.nicKey === null ? `Adapter ${plan.nicIndex} will be added on ${c.portGroup}` : `Adapter ${plan.nicIndex} is on ${plan.previousName ?? 'an unnamed network'}; to move to ${c.portGroup}`);
        return { output: { nic: plan.nicIndex, previous: plan.previousName, add: plan.nicKey === null }, context: { plan } };
      },
    },
    {
      name: 'connect-nic',
      title: 'Connect the adapter to the port group (ReconfigVM_Task)',
      async run({ context: c, services, log }) {
        const plan = planOf(c);
        const r = await services.vmNetwork.apply(c.site, plan);
        faultPoint('kill-during', 'vlan.attach', 'connect-nic');
        log('info', r.changed ? `Adapter ${plan.nicIndex} is on ${c.portGroup} now` : `Adapter ${plan.nicIndex} was on ${c.portGroup} already`);
        // An added NIC's key is known only now: the undo and the read-back find it by keysBefore.
        return { output: { changed: r.changed, nicKey: r.nicKey }, context: { changed: r.changed } };
      },
      async undo({ context: c, services, log }) {
        if (!c.plan) return;
        log('info', await services.vmNetwork.restore(c.site, c.plan));
      },
    },
    {
      name: 'verify',
      title: 'Read the adapter back',
      async run({ context: c, services }) {
        const plan = planOf(c);
        const r = await services.vmNetwork.verify(c.site, plan);
        if (!r.ok) throw new OutpostError('VERIFY_FAILED', `A re-read does not show adapter ${plan.nicIndex} of ${plan.vmName} on ${c.portGroup}.`, { nics: r.nics });
        return { output: { nics: r.nics } };
      },
    },
    {
      name: 'record',
      title: 'Record the result',
      async run({ context: c, services, actor, procedureId }) {
        const plan = planOf(c);
        await services.audit.append({
          actor,
          action: 'vlan.attach',
          target: `${c.site}/${plan.vmName}`,
          details: { moref: plan.moref, nic: plan.nicIndex, portGroup: c.portGroup, previous: plan.previousName, added: plan.nicKey === null, changed: c.changed ?? false, procedureId },
        });
        return { output: { recorded: true } };
      },
    },
  ],
});
