import { OutpostError } from '../contract/errors.js';
import { readProperties } from './property-collector.js';
import type { VsphereSession } from './session.js';
import { child, el, refEl, toRef, typedEl, type MoRef } from './xml.js';

const SERVICE_INSTANCE: MoRef = { type: 'ServiceInstance', value: 'ServiceInstance' };

/** Why the guest API could not answer, as opposed to a refused login. */
export type GuestAuthOutcome = { ok: true } | { ok: false; unsupported: string };

/** The GuestAuthManager of this vCenter, or null when it has no guest operations manager. */
export async function guestAuthManager(session: VsphereSession): Promise<MoRef | null> {
  const { body } = await session.invoke('RetrieveServiceContent', SERVICE_INSTANCE);
  const gom = toRef(child(body['returnval'], 'guestOperationsManager'));
  if (!gom) return null;
  const props = await readProperties(session, gom, ['authManager']);
  const value = props.get('authManager') as MoRef | undefined;
  return value && typeof value === 'object' && 'value' in value ? value : null;
}

/**
 * Validates guest OS credentials through VMware Tools (`ValidateCredentialsInGuest`), without any
 * network path to the guest. A wrong user or password is GUEST_AUTH (fault InvalidGuestLogin);
 * a server that does not implement the call (vcsim, a vCenter without guest operations, tools
 * too old) answers `{ok: false, unsupported}` so the caller can fall back to SSH or WinRM.
 */
export async function validateCredentialsInGuest(session: VsphereSession, vm: MoRef, credentials: { username: string; password: string }): Promise<GuestAuthOutcome> {
  let manager: MoRef | null;
  try {
    manager = await guestAuthManager(session);
  } catch (err) {
    return { ok: false, unsupported: `no guest operations manager (${(err as Error).message})` };
  }
  if (!manager) return { ok: false, unsupported: 'this vCenter has no guest operations manager' };
  const auth = typedEl('auth', 'NamePasswordAuthentication', el('interactiveSession', false) + el('username', credentials.username) + el('password', credentials.password));
  try {
    await session.invoke('ValidateCredentialsInGuest', manager, refEl('vm', vm) + auth);
    return { ok: true };
  } catch (err) {
    const fault = err instanceof OutpostError ? ((err.details as { fault?: string } | undefined)?.fault ?? '') : '';
    if (fault === 'InvalidGuestLogin' || fault === 'GuestPermissionDenied') {
      throw new OutpostError('GUEST_AUTH', `The guest OS of ${vm.value} refused the credentials of ${credentials.username} (${fault}). Check the user name and password.`, { method: 'guest-api', fault });
    }
    if (err instanceof OutpostError && (err.code === 'VCENTER_FAULT' || err.code === 'VCENTER_PROTOCOL')) {
      return { ok: false, unsupported: `${fault || err.code}: ${err.message}` };
    }
    throw err;
  }
}
