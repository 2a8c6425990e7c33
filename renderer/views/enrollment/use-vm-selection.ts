import { useMemo, useReducer, type Dispatch } from 'react';
import type { VmSummary } from '../../../core/contract';
import type { VmSelection } from '../../parts/VmPicker';
import { initialWizard, pickedVms, wizardReducer, type EnrollDraft, type WizardAction } from './wizard-state';

/** The wizard's picks as the shared VM picker takes them (one site; picking another starts afresh). */
export function wizardSelection(draft: EnrollDraft, dispatch: Dispatch<WizardAction>): VmSelection {
  const picked = pickedVms(draft);
  return {
    site: draft.site,
    setSite: (site) => dispatch({ type: 'site', site }),
    isPicked: (vm) => draft.selected.has(vm.moref),
    picked: picked.map((vm) => ({ key: vm.moref, name: vm.name, drop: () => dispatch({ type: 'toggle', vm }) })),
    pickedCount: picked.length,
    toggle: (vm) => dispatch({ type: 'toggle', vm }),
    pick: (vms) => dispatch({ type: 'select', vms, on: true }),
    clear: () => dispatch({ type: 'clear' }),
  };
}

/**
 * The enrollment wizard's VM picking (one vCenter, any number of VMs) on its own, for other views
 * that pick inventory VMs with the shared VmPicker (hosts entries for a node, a playbook's targets).
 */
export function useVmSelection(): { selection: VmSelection; picked: VmSummary[] } {
  const [state, dispatch] = useReducer(wizardReducer, initialWizard);
  const selection = useMemo(() => wizardSelection(state.draft, dispatch), [state.draft]);
  return { selection, picked: pickedVms(state.draft) };
}
