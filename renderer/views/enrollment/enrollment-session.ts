import { useStore } from 'zustand';
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { OutpostClient } from '../../../core/contract';
import type { BatchStarted } from '../../../core/contract/enrollment';
import { useClient } from '../../app/shell-context';
import { initialWizard, wizardReducer, type WizardAction, type WizardState } from './wizard-state';

/** What the Enrollment page keeps while the operator visits other pages (e.g. a run's procedure). */
export interface EnrollmentSession {
  wizard: WizardState;
  offboardBatch: BatchStarted | null;
  dispatch(action: WizardAction): void;
  setOffboardBatch(batch: BatchStarted): void;
}

// One session per client (per app instance): metadata only (picked VMs, choices, batch ids).
const sessions = new WeakMap<OutpostClient, StoreApi<EnrollmentSession>>();

/** The enrollment session of this app instance (the command palette starts one for a VM). */
export function sessionFor(client: OutpostClient): StoreApi<EnrollmentSession> {
  let store = sessions.get(client);
  if (!store) {
    store = createStore<EnrollmentSession>((set) => ({
      wizard: initialWizard,
      offboardBatch: null,
      dispatch: (action) => set((s) => ({ wizard: wizardReducer(s.wizard, action) })),
      setOffboardBatch: (batch) => set({ offboardBatch: batch }),
    }));
    sessions.set(client, store);
  }
  return store;
}

/** The wizard and the offboarding batch, surviving the page being left and opened again. */
export function useEnrollmentSession(): EnrollmentSession {
  return useStore(sessionFor(useClient()));
}
