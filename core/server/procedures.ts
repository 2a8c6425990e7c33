import { enrollVm, type EnrollmentProcedureServices } from '../enrollment/enroll-vm.procedure.js';
import { offboardVm } from '../enrollment/offboard-vm.procedure.js';
import { natAdd, type NatProcedureServices } from '../nat/nat-add.procedure.js';
import { natRemove } from '../nat/nat-remove.procedure.js';
import { vlanAttach, type VlanAttachProcedureServices } from '../networking/vlan-attach.procedure.js';
import { natAllow, natDisallow, natForward, natReconcile, natUnforward, type NatPolicyProcedureServices } from '../nat/nat-policy.procedure.js';
import { vlanEnsure, type VlanProcedureServices } from '../networking/vlan-ensure.procedure.js';
import { ProcedureRegistry } from '../procedures/registry.js';
import { hostUpgrade, type HostUpgradeProcedureServices } from '../upgrades/host-upgrade.procedure.js';

/** Everything the built-in procedures' steps use: the engine hands this one object to every step. */
export type BuiltinProcedureServices = NatProcedureServices & NatPolicyProcedureServices & EnrollmentProcedureServices & VlanProcedureServices & VlanAttachProcedureServices & HostUpgradeProcedureServices;

/**
 * Every procedure this build ships. Each lives next to its domain (`<domain>/*.procedure.ts`); the
 * composition root registers it here, so the engine (procedures/) knows no domain. A new
 * procedure is one file plus one line here.
 */
export function builtinProcedures(): ProcedureRegistry<BuiltinProcedureServices> {
  return new ProcedureRegistry<BuiltinProcedureServices>().register(natAdd).register(natRemove).register(hostUpgrade).register(enrollVm).register(offboardVm).register(vlanEnsure)
    .register(vlanAttach)
    .register(natAllow)
    .register(natDisallow)
    .register(natForward)
    .register(natUnforward)
    .register(natReconcile);
}
