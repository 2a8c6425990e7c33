import { useReducer, type Dispatch } from 'react';
import type { VmSummary } from '../../../core/contract';
import { initialWizard, pickedVms, wizardReducer, type EnrollDraft, type WizardAction } from './wizard-state';

/**
 * The enrollment wizard's VM picking (one vCenter, any number of VMs) on its own, for other views
 * that pick inventory VMs with VmPicker (hosts entries for a node, a playbook's targets).
 */
export function useVmSelection(): { draft: EnrollDraft; dispatch: Dispatch<WizardAction>; picked: VmSummary[] } {
  const [state, dispatch] = useReducer(wizardReducer, initialWizard);
  return { draft: state.draft, dispatch, picked: pickedVms(state.draft) };
}
