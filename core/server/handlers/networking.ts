import type { CommandParsedInput } from '../../contract/commands.js';
import { OutpostError } from '../../contract/errors.js';
import type { HostVlanResult, networkingCommands, VlanEnsureResult } from '../../contract/networking.js';
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

/** VLAN port groups; spread into createHandlers (index.ts). */
export function networkingHandlers(s: Services): DomainHandlers<typeof networkingCommands> {
  return {
    'vlan.list': ({ site }) => s.vlan.list(site),
    'vlan.ensure': (input, caller) => (input.dryRun ? s.vlan.preview(input) : ensureDurably(s, input, caller.actor)),
  };
}
