import type { ReactNode } from 'react';
import type { OutpostClient } from '../../core/contract';
import { errorToast } from '../app/error-toast';
import type { ShellStore } from '../app/shell-store';
import { hashForView } from '../navigation/hash-route';
import { sessionFor } from '../views/enrollment/enrollment-session';
import { terminalsStore } from '../views/terminals/terminals-store';
import type { PaletteAction } from './palette-items';

export interface PaletteRunner {
  client: OutpostClient;
  store: ShellStore;
  /** Asks first when the operator's settings say so (power off, reset, approve). */
  confirm(request: { title: string; body: ReactNode; confirmLabel: string }, action: () => void): void;
  setTheme(to: 'toggle' | 'system'): void;
}

const POWER_VERB = { on: 'Power on', off: 'Power off', reset: 'Reset', shutdown: 'Shut down guest' } as const;

/** Runs what a palette entry describes. Long actions become tasks (Recent Tasks); failures become toasts with their code. */
export function runPaletteAction(r: PaletteRunner, action: PaletteAction): void {
  const { client, store } = r;
  const toastError = (title: string) => (err: unknown) => store.getState().pushToast(errorToast(title, err));
  switch (action.type) {
    case 'navigate': {
      // The address first: the view's own state (a selected VM) is in it, and one history entry is added, not two.
      window.location.hash = hashForView(action.view, action.ref ?? undefined, action.params);
      store.getState().navigate(action.view, { focusMain: true });
      return;
    }
    case 'theme':
      r.setTheme(action.to);
      return;
    case 'refresh-status':
      client.invoke('status.get', {}).then((status) => store.getState().setStatus(status), toastError('Could not read status'));
      return;
    case 'open-tasks':
      store.getState().setTasksOpen(true);
      return;
    case 'sync-site':
      store.getState().pushToast({ tone: 'info', title: `Sync ${action.site}`, message: 'Started: follow it in Recent tasks.' });
      client.invoke('inventory.sync', { site: action.site }).catch(toastError(`Sync ${action.site}`));
      return;
    case 'power-vm': {
      const go = (): void => {
        client.invoke('vm.power', { site: action.site, vm: action.vm, action: action.action }).then(
          (result) => store.getState().pushToast({ tone: 'info', title: `${POWER_VERB[action.action]} ${result.vm}`, message: `Now ${result.powerState}.` }),
          toastError(`${POWER_VERB[action.action]} ${action.name}`),
        );
      };
      if (action.action === 'on') go();
      else r.confirm({ title: `${POWER_VERB[action.action]} ${action.name}?`, body: `${action.name} (${action.site}) stops what it runs.`, confirmLabel: POWER_VERB[action.action] }, go);
      return;
    }
    case 'vm-terminal':
      terminalsStore.getState().requestOpen({ prefill: { kind: 'vm', site: action.site, vm: action.vm, name: action.name, protocol: 'auto' }, split: false });
      store.getState().navigate('terminals', { focusMain: false });
      return;
    case 'host-terminal':
      // The dialog opens prefilled (the credential's secret stays in the vault; the operator confirms).
      terminalsStore.getState().requestOpen({ prefill: { kind: 'host', host: action.host, port: action.port, user: action.user, credential: action.credential }, split: false });
      store.getState().navigate('terminals', { focusMain: false });
      return;
    case 'enroll-vm':
      client.invoke('vms.list', { site: action.site, query: action.name, limit: 50 }).then((rows) => {
        const vm = rows.find((v) => v.moref === action.vm);
        if (!vm) {
          store.getState().pushToast({ tone: 'error', code: 'NOT_FOUND', title: `Enroll ${action.name}`, message: `${action.name} is no longer in ${action.site}'s inventory: sync the site.` });
          return;
        }
        const session = sessionFor(client).getState();
        session.dispatch({ type: 'restart' });
        session.dispatch({ type: 'site', site: vm.site });
        session.dispatch({ type: 'select', vms: [vm], on: true });
        store.getState().navigate('enrollment', { focusMain: true });
      }, toastError(`Enroll ${action.name}`));
      return;
    case 'approve':
      r.confirm({ title: `Approve ${action.title}?`, body: 'The run goes on past its approval gate. Read its instructions on the procedure page first if you have not.', confirmLabel: 'Approve' }, () => {
        client.invoke('procedures.approve', { id: action.id }).then(
          (p) => store.getState().pushToast({ tone: 'info', title: `Approved ${action.title}`, message: `The run is ${p.state}.` }),
          toastError(`Approve ${action.title}`),
        );
      });
      return;
  }
}
