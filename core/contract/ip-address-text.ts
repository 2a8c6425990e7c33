import ipaddr from 'ipaddr.js';
import { z } from 'zod';

/**
 * Address text as the contract accepts it, checked with ipaddr.js so the renderer, the host and the
 * CLI refuse the same things before anything runs: IPv4 as four decimal parts (no "10.1" or octal
 * shorthands), IPv6 without a zone ("fe80::1%eth0" names an interface of this machine, not an
 * address a firewall can translate).
 */
export function parseIpText(text: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text);
  if (!text.includes('%') && ipaddr.IPv6.isValid(text)) return ipaddr.IPv6.parse(text);
  return null;
}

const UNUSABLE: Partial<Record<string, string>> = {
  unspecified: 'the unspecified address ("this host")',
  broadcast: 'the limited broadcast address',
  multicast: 'a multicast address',
  loopback: 'a loopback address (this machine)',
  linkLocal: 'a link-local address (not routed)',
};
const CLASS_E = ipaddr.parseCIDR('240.0.0.0/4');

/** Why an address cannot be one end of a NAT (nothing routes to it as a host), or null when it can. */
export function unusableHostReason(address: ipaddr.IPv4 | ipaddr.IPv6): string | null {
  const a = address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress() ? (address as ipaddr.IPv6).toIPv4Address() : address;
  const why = UNUSABLE[a.range()];
  if (why) return why;
  if (a.kind() === 'ipv4' && a.match(CLASS_E)) return 'a reserved (240.0.0.0/4) address';
  return null;
}

const notAnAddress = (text: string): string => `"${text}" is not an IP address (expected e.g. 203.0.113.10 or 2001:db8::10; no zone such as %eth0)`;

/** Any well-formed IP address (e.g. to name an existing NAT by its public address). */
export const ipAddressText = z
  .string()
  .trim()
  .max(64)
  .superRefine((t, ctx) => {
    if (parseIpText(t) === null) ctx.addIssue({ code: 'custom', message: notAnAddress(t) });
  });

/** A well-formed address a host can have behind a NAT or in front of one: not loopback, multicast, 0.0.0.0, broadcast... */
export const hostAddressText = z
  .string()
  .trim()
  .max(64)
  .superRefine((t, ctx) => {
    const parsed = parseIpText(t);
    if (!parsed) {
      ctx.addIssue({ code: 'custom', message: notAnAddress(t) });
      return;
    }
    const why = unusableHostReason(parsed);
    if (why) ctx.addIssue({ code: 'custom', message: `${t} is ${why}; give the address of a host` });
  });
