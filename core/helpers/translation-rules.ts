import { OutpostError } from '../contract/errors.js';
import { parseAddress, parseNetwork, type IpNetwork } from '../ipam/ip-address.js';

/**
 * Client-side translation (seed 004): services advertise private management addresses (e.g.
 * 192.168.100.0/24) that this workstation reaches through one public forwarding IP, or through
 * a public prefix mapped address for address (NETMAP). Pure rule generation lives here; applying
 * them is translation-local.ts.
 */
export interface TranslationSpec {
  /** The private prefix the services advertise. */
  subnet: string;
  /** One forwarding address every private address is sent to ... */
  to?: string;
  /** ... or a prefix of the same length, mapped address for address. */
  toPrefix?: string;
  /** Only these destination ports (default: every port). */
  ports?: number[];
  protocol?: 'tcp' | 'udp' | 'all';
}

export interface Translation {
  subnet: IpNetwork;
  target: { kind: 'address'; address: string } | { kind: 'prefix'; prefix: IpNetwork };
  ports: number[];
  protocol: 'tcp' | 'udp' | 'all';
  /** Comment on every rule, so Outpost finds (and removes) exactly its own. */
  tag: string;
}

export type RuleFormat = 'iptables' | 'nft' | 'windows' | 'macos';

export const NFT_TRANSLATE_TABLE = 'outpost_translate';

export function parsePorts(text: string): number[] {
  const ports = text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      if (!/^\d{1,5}$/.test(p) || Number(p) < 1 || Number(p) > 65535) throw new OutpostError('VALIDATION', `"${p}" is not a port (1-65535).`);
      return Number(p);
    });
  return [...new Set(ports)].sort((a, b) => a - b);
}

export function buildTranslation(spec: TranslationSpec): Translation {
  const subnet = parseNetwork(spec.subnet);
  if (subnet.family !== 4) throw new OutpostError('VALIDATION', 'Client-side translation supports IPv4 prefixes (iptables/nft ip family).');
  if ((spec.to === undefined) === (spec.toPrefix === undefined)) {
    throw new OutpostError('VALIDATION', 'Give exactly one of --to (a forwarding address) or --to-prefix (a mapped prefix).');
  }
  const ports = spec.ports ?? [];
  if (ports.length > 15) throw new OutpostError('VALIDATION', 'At most 15 ports per translation (iptables multiport limit); split it into several.');
  const protocol = spec.protocol ?? 'tcp';
  if (ports.length > 0 && protocol === 'all') throw new OutpostError('VALIDATION', 'Ports need a protocol: tcp or udp.');
  let target: Translation['target'];
  if (spec.to !== undefined) {
    const address = parseAddress(spec.to);
    if (address.family !== 4) throw new OutpostError('VALIDATION', `${address.text} is not an IPv4 address.`);
    target = { kind: 'address', address: address.text };
  } else {
    const prefix = parseNetwork(spec.toPrefix!);
    if (prefix.family !== 4 || prefix.prefix !== subnet.prefix) {
      throw new OutpostError('VALIDATION', `A mapped prefix must have the same length as ${subnet.text} (got ${prefix.text}).`);
    }
    target = { kind: 'prefix', prefix };
  }
  const targetText = target.kind === 'address' ? target.address : target.prefix.text;
  const tag = `outpost:translate:${subnet.text}=>${targetText}${ports.length ? `:${protocol}/${ports.join(',')}` : protocol === 'all' ? '' : `:${protocol}`}`;
  return { subnet, target, ports, protocol, tag };
}

/** iptables argv for adding (-A) or deleting (-D) the rule in the nat OUTPUT chain. */
export function iptablesArgv(t: Translation, action: '-A' | '-D'): string[] {
  const proto = t.protocol === 'all' ? [] : ['-p', t.protocol];
  const ports = t.ports.length === 0 ? [] : t.ports.length === 1 ? ['--dport', String(t.ports[0])] : ['-m', 'multiport', '--dports', t.ports.join(',')];
  const jump = t.target.kind === 'address' ? ['-j', 'DNAT', '--to-destination', t.target.address] : ['-j', 'NETMAP', '--to', t.target.prefix.text];
  return ['iptables', '-w', '5', '-t', 'nat', action, 'OUTPUT', ...proto, '-d', t.subnet.text, ...ports, '-m', 'comment', '--comment', t.tag, ...jump];
}

/** nft argv (one command each) that create Outpost's table and add the rule. */
export function nftAddArgv(t: Translation): string[][] {
  const match = ['ip', 'daddr', t.subnet.text];
  const proto = t.protocol === 'all' ? [] : t.ports.length ? [t.protocol, 'dport', t.ports.length === 1 ? String(t.ports[0]) : `{ ${t.ports.join(', ')} }`] : ['meta', 'l4proto', t.protocol];
  const action = t.target.kind === 'address' ? ['dnat', 'to', t.target.address] : ['dnat', 'ip', 'prefix', 'to', t.target.prefix.text];
  return [
    ['nft', 'add', 'table', 'ip', NFT_TRANSLATE_TABLE],
    ['nft', 'add', 'chain', 'ip', NFT_TRANSLATE_TABLE, 'output', '{ type nat hook output priority -100; policy accept; }'],
    ['nft', 'add', 'rule', 'ip', NFT_TRANSLATE_TABLE, 'output', ...match, ...proto, ...action, 'comment', `"${t.tag}"`],
  ];
}

const shellQuote = (arg: string): string => (/^[A-Za-z0-9_./:=@%+,-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);

/** What the operator sees before applying (and can paste on a machine Outpost does not run on). */
export function previewRules(t: Translation, format: RuleFormat): string {
  switch (format) {
    case 'iptables':
      return iptablesArgv(t, '-A').map(shellQuote).join(' ');
    case 'nft':
      return nftAddArgv(t)
        .map((argv) => argv.map(shellQuote).join(' '))
        .join('\n');
    case 'windows':
      return windowsInstructions(t);
    case 'macos':
      return macosInstructions(t);
  }
}

function windowsInstructions(t: Translation): string {
  const lines = [
    `REM Windows cannot rewrite destinations of its own outgoing traffic with built-in tools.`,
    `REM Equivalent: make each private address local (loopback adapter) and forward its ports.`,
  ];
  if (t.target.kind === 'prefix' || t.ports.length === 0) {
    lines.push(
      t.target.kind === 'prefix'
        ? `REM A mapped prefix (${t.subnet.text} -> ${t.target.prefix.text}): route the private prefix through a host that NETMAPs it, e.g.`
        : `REM Every port of ${t.subnet.text}: route the private prefix through a host that DNATs it, e.g.`,
      `route -p ADD ${t.subnet.text.split('/')[0]} MASK ${prefixMask(t.subnet.prefix)} <gateway-that-translates>`,
    );
    return lines.join('\r\n');
  }
  lines.push(`REM For each private address you use (example: the first one):`);
  const example = t.subnet.text.split('/')[0]!.replace(/\.0$/, '.1');
  for (const port of t.ports) {
    lines.push(`netsh interface portproxy add v4tov4 listenaddress=${example} listenport=${port} connectaddress=${t.target.address} connectport=${port}`);
  }
  return lines.join('\r\n');
}

function macosInstructions(t: Translation): string {
  const target = t.target.kind === 'address' ? t.target.address : t.target.prefix.text;
  const proto = t.protocol === 'all' ? '' : ` proto ${t.protocol}`;
  const ports = t.ports.length ? ` port { ${t.ports.join(' ')} }` : '';
  const arrow = t.target.kind === 'address' ? `-> ${target}` : `-> ${target} bitmask`;
  return [
    `# pf: redirect this Mac's own traffic for ${t.subnet.text} (loaded as an anchor, removable on its own)`,
    `cat <<'PF' | sudo pfctl -a com.outpost.translate -f -`,
    `rdr pass on lo0 inet${proto} from any to ${t.subnet.text}${ports} ${arrow}`,
    `pass out quick route-to lo0 inet${proto} from any to ${t.subnet.text}${ports} keep state`,
    `PF`,
    `sudo pfctl -e   # enable pf if it is off`,
    `# remove: sudo pfctl -a com.outpost.translate -F all`,
  ].join('\n');
}

function prefixMask(prefix: number): string {
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return [24, 16, 8, 0].map((s) => (mask >>> s) & 255).join('.');
}
