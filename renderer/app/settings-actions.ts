import type { OutpostClient, Settings, SettingsPatch } from '../../core/contract';
import { errorToast } from './error-toast';
import type { ShellStore } from './shell-store';

/**
 * Saves a settings patch through the contract. The store takes the host's answer (not the
 * patch), so what the console shows is what was persisted. Failures become toasts with the code
 * and are rethrown so a form can mark the fields the contract rejected.
 */
const FAILURE_TITLE = 'Settings were not saved';

export async function saveSettings(client: OutpostClient, store: ShellStore, patch: SettingsPatch): Promise<Settings> {
  try {
    const settings = await client.invoke('settings.update', patch);
    store.getState().setSettings(settings);
    store.getState().dismissToastsTitled(FAILURE_TITLE);
    return settings;
  } catch (err) {
    store.getState().pushToast(errorToast(FAILURE_TITLE, err));
    throw err;
  }
}
