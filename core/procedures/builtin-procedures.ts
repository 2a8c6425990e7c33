import { natAdd } from './nat-add.js';
import { natRemove } from './nat-remove.js';
import { vlanEnsure } from './vlan-ensure.js';
import { ProcedureRegistry } from './registry.js';

/** Every procedure this build ships: a new procedure is one file plus one line here. */
export function builtinProcedures(): ProcedureRegistry {
  return new ProcedureRegistry().register(natAdd).register(natRemove).register(vlanEnsure);
}
