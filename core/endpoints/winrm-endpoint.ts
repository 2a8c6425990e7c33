import { caBundle } from '../trust/ca-bundle.js';
import { WinrmClient, type WinrmOptions } from '../winrm/winrm-client.js';

/** A WinRM endpoint and how to log in; `ca` is the call's own extra CA (PEM), if any. */
export type WinrmTarget = Omit<WinrmOptions, 'ca'> & { ca?: string | undefined };

/**
 * The one place a WinRM client is made outside core/winrm: HTTPS always trusts the system's roots
 * plus the CAs imported into Outpost plus the call's own CA. (Node's `ca` option REPLACES its default
 * roots, and leaving it out ignores the imported CAs: both mistakes were made here before.)
 */
export function winrmClient(target: WinrmTarget, importedCas: readonly string[]): WinrmClient {
  const { ca, ...rest } = target;
  return new WinrmClient({ ...rest, ca: caBundle(importedCas, ca) });
}
