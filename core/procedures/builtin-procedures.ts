import { hostUpgrade } from './host-upgrade.js';
import { natAdd } from './nat-add.js';
import { natRemove } from './nat-remove.js';
import { vlanEnsure } from './vlan-ensure.js';
import { ProcedureRegistry } from './registry.js';
import { enrollVm } from './enroll-vm.js';
import { offboardVm } from './offboard-vm.js';

/** Every procedure this build ships: a new procedure is one file plus one line here. */
export function builtinProcedures(): ProcedureRegistry {
  return new ProcedureRegistry().register(natAdd).register(natRemove).register(hostUpgrade).register(enrollVm).register(offboardVm).register(vlanEnsure);
}
