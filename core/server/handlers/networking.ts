import type { CommandParsedInput } from '../../contract/commands.js';
import { OutpostError } from '../../contract/errors.js';
import { vmNicSchema, type HostVlanResult, type networkingCommands, type VlanAttachResult, type VlanEnsureResult } from '../../contract/networking.js';
import { z } from 'zod';
import type { DomainHandlers } from './index.js';
import type { Services } from '../services.js';

/**
 * A VLAN ensure that changes hosts runs as the durable `vlan.ensure` procedure (journaled, resumed
 * after a crash, rolled back when the read-back fails); the caller still gets the per-host result.
 */
async function ensureDurably(s: Services, input: CommandParsedInput<'vlan.ensure'>, actor: string): Promise<VlanEnsureResult> {
  const { site, nic, portGroup, vlanId } = input;
  const id = await s.engine.start('vlan.ensure', { site, nic, portGroup, vlanId, ...(input.host !== undefined ? { host: input.host } : { cluster: input.cluster }) }, actor);
  await s.engine.whenIdle(id);
  const { procedure, steps } = await s.engine.detail(id);
  if (procedure.state === 'succeeded') {
    const hosts = (steps.find((st) => st.name === 'verify')?.output as { hosts: HostVlanResult[] } | null)?.hosts ?? [];
    return { site: input.site.trim(), dryRun: false, nic, portGroup, vlanId, ok: true, hosts, procedureId: id };
  }
  const error = steps.find((st) => st.error)?.error ?? procedure.error;
  if (!error) {
    throw new OutpostError('CONFLICT', `The VLAN procedure ${id} is ${procedure.state}; follow it in Procedures (outpost procedures show ${id}).`, { procedureId: id });
  }
  const target = `${input.site.trim()}/${input.host ?? input.cluster ?? ''}/${portGroup}`;
  await s.audit.append({ actor, action: 'vlan.ensure', target, outcome: 'failed', details: { nic, portGroup, vlanId, error: error.code, message: error.message, procedureId: id, state: procedure.state } });
  const details = typeof error.details === 'object' && error.details !== null ? error.details : {};
  throw new OutpostError(error.code, procedure.state === 'rolled-back' && steps.some((st) => st.name === 'create-port-groups' && st.state === 'undone') ? `${error.message} The port groups this run created were removed again.` : error.message, { ...details, procedureId: id });
}

/**
 * Connecting a VM's NIC runs as the durable `vlan.attach` procedure (journaled, resumed after a
 * crash, rolled back when the read-back fails); the caller waits for it and gets the NICs read back.
 */
async function attachDurably(s: Services, input: CommandParsedInput<'vlan.attach'>, actor: string): Promise<VlanAttachResult> {
  const { site, vm, portGroup, add } = input;
  const id = await s.engine.start('vlan.attach', { site: site.trim(), vm, portGroup, add, ...(input.nic !== undefined ? { nic: input.nic } : {}) }, actor);
  await s.engine.whenIdle(id);
  const { procedure, steps } = await s.engine.detail(id);
  const check = attachCheckOutput.safeParse(steps.find((st) => st.name === 'check')?.output);
  if (procedure.state === 'succeeded' && check.success) {
    const connected = attachConnectOutput.safeParse(steps.find((st) => st.name === 'connect-nic')?.output);
    const nics = attachVerifyOutput.safeParse(steps.find((st) => st.name === 'verify')?.output);
    const plan = await procedurePlan(s, id);
    return {
      site: site.trim(),
      vm: plan?.vmName ?? vm,
      moref: plan?.moref ?? '',
      nic: check.data.nic,
      portGroup,
      previous: check.data.previous,
      added: check.data.add,
      changed: connected.success ? connected.data.changed : false,
      nics: nics.success ? nics.data.nics : [],
      procedureId: id,
    };
  }
  const error = steps.find((st) => st.error)?.error ?? procedure.error;
  if (!error) throw new OutpostError('CONFLICT', `The attach procedure ${id} is ${procedure.state}; follow it in Procedures (outpost procedures show ${id}).`, { procedureId: id });
  // The record step audits a success; a failed run (a refused check included) is audited here, once.
  await s.audit.append({ actor, action: 'vlan.attach', target: `${site.trim()}/${vm}`, outcome: 'failed', details: { portGroup, nic: input.nic ?? null, add, error: error.code, message: error.message, procedureId: id, state: procedure.state } });
  const details = typeof error.details === 'object' && error.details !== null ? error.details : {};
  const undone = procedure.state === 'rolled-back' && steps.some((st) => st.name === 'connect-nic' && st.state === 'undone');
  throw new OutpostError(error.code, undone ? `${error.message} The run was rolled back: the adapter is on its previous network (an added adapter was removed).` : error.message, { ...details, procedureId: id });
}

const attachCheckOutput = z.object({ nic: z.number().int(), previous: z.string().nullable(), add: z.boolean() });
const attachConnectOutput = z.object({ changed: z.boolean() });
const attachVerifyOutput = z.object({ nics: z.array(vmNicSchema) });
/** The VM the check step resolved (the input may have named it by moref or uuid). */
const procedurePlan = async (s: Services, id: string): Promise<{ moref: string; vmName: string } | null> => {
  const c = z.object({ plan: z.object({ moref: z.string(), vmName: z.string() }) }).safeParse((await s.engine.detail(id)).procedure.context);
  return c.success ? c.data.plan : null;
};

/** VLAN port groups; spread into createHandlers (index.ts). */
export function networkingHandlers(s: Services): DomainHandlers<typeof networkingCommands> {
  return {
    'vlan.list': ({ site }) => s.vlan.list(site),
    'vlan.ensure': (input, caller) => (input.dryRun ? s.vlan.preview(input) : ensureDurably(s, input, caller.actor)),
    'vlan.attach': (input, caller) => attachDurably(s, input, caller.actor),
    'vm.nics.list': ({ site, vm }) => s.vmNetwork.nics(site, vm),
  };
}
