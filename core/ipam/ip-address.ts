import ipaddr from 'ipaddr.js';
import { OutpostError } from '../contract/errors.js';

export type IpFamily = 4 | 6;

/** An address as a number, so ranges and "next free" are arithmetic for IPv4 and IPv6 alike. */
export interface IpAddress {
  family: IpFamily;
  value: bigint;
  /** Canonical text: dotted quad, or RFC 5952 compressed IPv6. */
  text: string;
}

export interface IpNetwork {
  family: IpFamily;
  prefix: number;
  network: bigint;
  last: bigint;
  /** Canonical CIDR text, e.g. 203.0.113.0/24 (host bits cleared). */
  text: string;
}

const BITS: Record<IpFamily, number> = { 4: 32, 6: 128 };

function toBigInt(bytes: number[]): bigint {
  return bytes.reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
}

function fromBigInt(value: bigint, family: IpFamily): string {
  const bytes: number[] = [];
  for (let i = 0; i < BITS[family] / 8; i++) bytes.unshift(Number((value >> BigInt(8 * i)) & 0xffn));
  return ipaddr.fromByteArray(bytes).toString();
}

/** Parses one address strictly: four-part dotted decimal for IPv4 (no "10.1" shorthands), or IPv6. */
export function parseAddress(text: string): IpAddress {
  const trimmed = text.trim();
  if (ipaddr.IPv4.isValidFourPartDecimal(trimmed)) {
    const value = toBigInt(ipaddr.IPv4.parse(trimmed).toByteArray());
    return { family: 4, value, text: fromBigInt(value, 4) };
  }
  if (ipaddr.IPv6.isValid(trimmed) && !trimmed.includes('%')) {
    const value = toBigInt(ipaddr.IPv6.parse(trimmed).toByteArray());
    return { family: 6, value, text: fromBigInt(value, 6) };
  }
  throw new OutpostError('VALIDATION', `"${text}" is not an IP address (expected e.g. 203.0.113.10 or 2001:db8::10).`);
}

export function addressFrom(value: bigint, family: IpFamily): IpAddress {
  return { family, value, text: fromBigInt(value, family) };
}

/** Parses a CIDR; host bits must be zero so a typo like 10.0.0.5/24 is caught, not silently widened. */
export function parseNetwork(text: string): IpNetwork {
  const [addressText, prefixText, extra] = text.trim().split('/');
  if (addressText === undefined || prefixText === undefined || extra !== undefined || !/^\d{1,3}$/.test(prefixText)) {
    throw new OutpostError('VALIDATION', `"${text}" is not a CIDR (expected e.g. 203.0.113.0/24).`);
  }
  const address = parseAddress(addressText);
  const bits = BITS[address.family];
  const prefix = Number(prefixText);
  if (prefix > bits) throw new OutpostError('VALIDATION', `"${text}": the prefix length must be 0-${bits}.`);
  const hostBits = BigInt(bits - prefix);
  const hostMask = (1n << hostBits) - 1n;
  if ((address.value & hostMask) !== 0n) {
    const network = address.value & ~hostMask;
    throw new OutpostError('VALIDATION', `"${text}" has host bits set; did you mean ${fromBigInt(network, address.family)}/${prefix}?`);
  }
  return { family: address.family, prefix, network: address.value, last: address.value | hostMask, text: `${address.text}/${prefix}` };
}

export function contains(net: IpNetwork, address: IpAddress): boolean {
  return net.family === address.family && address.value >= net.network && address.value <= net.last;
}

export function overlaps(a: IpNetwork, b: IpNetwork): boolean {
  return a.family === b.family && a.network <= b.last && b.network <= a.last;
}

/**
 * The addresses of a network that can be handed out: IPv4 networks up to /30 lose their network
 * and broadcast addresses; /31 and /32 (RFC 3021) and IPv6 keep all of them (IPv6 loses the
 * subnet-router anycast address, the first one, when the prefix is shorter than /127).
 */
export function usableRange(net: IpNetwork): { first: bigint; last: bigint } {
  if (net.family === 4) {
    return net.prefix <= 30 ? { first: net.network + 1n, last: net.last - 1n } : { first: net.network, last: net.last };
  }
  return net.prefix < 127 ? { first: net.network + 1n, last: net.last } : { first: net.network, last: net.last };
}

/** A sortable key (fixed-width hex) so SQL ORDER BY gives numeric order for both families. */
export function addressKey(address: IpAddress): string {
  return address.value.toString(16).padStart(BITS[address.family] / 4, '0');
}
