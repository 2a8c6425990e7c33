import { OutpostError } from '../contract/errors.js';
import { findLocal, isNode, text, xsiType, type XmlValue } from './xml.js';

/** The vim25 fault type names that mean "who you are" rather than "what you asked". */
const AUTH_FAULTS = new Set(['InvalidLogin', 'NotAuthenticated', 'NoPermission', 'InvalidLocale', 'PasswordExpired']);

/** The vim25 fault name (`InvalidLogin`, `ManagedObjectNotFound`, ...) of a SOAP fault element. */
export function faultName(fault: XmlValue): string {
  const detail = isNode(fault) ? fault['detail'] : undefined;
  if (isNode(detail)) {
    for (const [key, value] of Object.entries(detail)) {
      if (key.startsWith('@') || key === '#text') continue;
      const typed = xsiType(value);
      if (typeof typed === 'string') return typed.replace(/^.*:/, '');
      return key.replace(/^.*:/, '').replace(/Fault$/, '');
    }
  }
  return 'Unknown';
}

/** A SOAP fault as an OutpostError with a stable code; the fault name is in details. */
export function vsphereFault(method: string, fault: XmlValue): OutpostError {
  const name = faultName(fault);
  const message = (isNode(fault) ? text(findLocal(fault, 'faultstring') ?? fault['faultstring']) : undefined) ?? '';
  if (AUTH_FAULTS.has(name)) {
    const hint = name === 'InvalidLogin' ? 'Check the user name and password for this site.' : name === 'NotAuthenticated' ? 'The session ended; log in again.' : 'The vCenter account lacks the permission.';
    return new OutpostError('VCENTER_AUTH', `vCenter refused ${method}: ${name}${message ? ` (${message})` : ''}. ${hint}`, { fault: name, method, message });
  }
  return new OutpostError('VCENTER_FAULT', `vCenter answered ${method} with ${name}${message ? `: ${message}` : ''}.`, { fault: name, method, message });
}

export function isFault(err: unknown, name: string): boolean {
  return err instanceof OutpostError && typeof err.details === 'object' && err.details !== null && (err.details as { fault?: unknown }).fault === name;
}
