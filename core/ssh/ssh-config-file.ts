import { homedir } from 'node:os';

/** What Outpost takes from an OpenSSH client config for one host alias. */
export interface SshConfigHost {
  alias: string;
  hostName: string;
  port: number;
  user: string | null;
  identityFiles: string[];
  /** Jump hosts in order, each "[user@]host[:port]" (ProxyJump, comma-separated); empty for none. */
  proxyJump: string[];
}

interface Block {
  patterns: string[];
  options: Map<string, string[]>;
}

const KEYS = new Set(['hostname', 'user', 'port', 'identityfile', 'proxyjump']);

/** ssh_config(5) patterns: `*` and `?` wildcards, `!` negation; a negated match excludes the block. */
function hostMatches(patterns: readonly string[], alias: string): boolean {
  let matched = false;
  for (const raw of patterns) {
    const negated = raw.startsWith('!');
    const pattern = negated ? raw.slice(1) : raw;
    const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
    if (re.test(alias)) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

function parseBlocks(text: string): Block[] {
  const blocks: Block[] = [{ patterns: ['*'], options: new Map() }];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(\S+?)(?:\s*=\s*|\s+)(.*)$/.exec(line);
    if (!m) continue;
    const key = m[1]!.toLowerCase();
    const value = m[2]!.trim().replace(/^"(.*)"$/, '$1');
    if (key === 'host') {
      blocks.push({ patterns: value.split(/\s+/), options: new Map() });
    } else if (key === 'match') {
      // Match blocks need runtime facts (exec, user, ...); they apply to no alias here.
      blocks.push({ patterns: [], options: new Map() });
    } else if (KEYS.has(key)) {
      const block = blocks[blocks.length - 1]!;
      block.options.set(key, [...(block.options.get(key) ?? []), value]);
    }
  }
  return blocks;
}

function expandTokens(value: string, alias: string, hostName: string): string {
  return value.replace(/%([%hn])/g, (_m, t: string) => (t === '%' ? '%' : t === 'h' ? hostName : alias)).replace(/^~(?=\/|$)/, homedir());
}

/**
 * Resolves a host alias the way ssh(1) reads its config: blocks in file order, the first value
 * obtained for an option wins, IdentityFile accumulates.
 */
export function resolveSshConfig(text: string, alias: string): SshConfigHost {
  const first = new Map<string, string>();
  const identityFiles: string[] = [];
  for (const block of parseBlocks(text)) {
    if (!hostMatches(block.patterns, alias)) continue;
    for (const [key, values] of block.options) {
      if (key === 'identityfile') identityFiles.push(...values);
      else if (!first.has(key)) first.set(key, values[0]!);
    }
  }
  const hostName = first.has('hostname') ? expandTokens(first.get('hostname')!, alias, alias) : alias;
  const port = Number(first.get('port') ?? 22);
  const jump = first.get('proxyjump');
  return {
    alias,
    hostName,
    port: Number.isInteger(port) && port > 0 && port < 65536 ? port : 22,
    user: first.get('user') ?? null,
    identityFiles: identityFiles.map((f) => expandTokens(f, alias, hostName)),
    proxyJump: !jump || jump.toLowerCase() === 'none' ? [] : jump.split(',').map((j) => j.trim()).filter(Boolean),
  };
}

/** Parses "[user@]host[:port]" (also "[v6]:port"), as ProxyJump and --jump take it. */
export function parseHostSpec(spec: string, defaults: { user?: string | null; port?: number } = {}): { user: string | null; host: string; port: number } {
  const at = spec.lastIndexOf('@');
  const user = at >= 0 ? spec.slice(0, at) : (defaults.user ?? null);
  const rest = at >= 0 ? spec.slice(at + 1) : spec;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  const plain = /^([^:]+)(?::(\d+))?$/.exec(rest);
  const m = v6 ?? plain;
  if (!m || !m[1]) throw new Error(`"${spec}" is not [user@]host[:port]`);
  const port = m[2] ? Number(m[2]) : (defaults.port ?? 22);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`"${spec}" has a port outside 1-65535`);
  return { user, host: m[1], port };
}

/** Host aliases an operator can pick: every non-wildcard, non-negated pattern of a Host line. */
export function sshConfigAliases(text: string): string[] {
  const aliases = new Set<string>();
  for (const block of parseBlocks(text)) for (const p of block.patterns) if (!/[*?!]/.test(p)) aliases.add(p);
  return [...aliases];
}
