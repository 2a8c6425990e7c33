import { rootCertificates } from 'node:tls';

/**
 * The CAs a TLS client should trust: the system's (Node's bundled roots), the CAs the operator
 * imported into Outpost, and any CA given for this one call. Node's `ca` option replaces the
 * defaults rather than adding to them, so every client that takes a `ca` gets this whole list.
 */
export function caBundle(imported: readonly string[], extra?: string): string[] {
  return [...rootCertificates, ...imported, ...(extra ? [extra] : [])];
}
