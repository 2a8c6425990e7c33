import { createHmac } from 'node:crypto';
import { keyTypeOf, sha256Fingerprint } from './host-key-fingerprint.js';

/** One host key line of an OpenSSH known_hosts file, reduced to what the app store keeps. */
export interface KnownHostsFileEntry {
  /** A host name/address, or the whole `|1|salt|hash` token of a hashed entry. */
  hostPattern: string;
  port: number;
  hashed: boolean;
  keyType: string;
  fingerprint: string;
}

export interface KnownHostsParseResult {
  entries: KnownHostsFileEntry[];
  /** Lines left out, with why (revoked keys, CA lines, wildcards, garbage). */
  skipped: { line: number; why: string }[];
}

/**
 * Parses an OpenSSH known_hosts file (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"). Hashed names are
 * kept hashed: they are matched later with `hashedHostMatches`, as ssh(1) does.
 */
export function parseKnownHosts(text: string): KnownHostsParseResult {
  const entries: KnownHostsFileEntry[] = [];
  const skipped: KnownHostsParseResult['skipped'] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    if (fields[0]?.startsWith('@')) {
      // @revoked and @cert-authority change meaning; importing them as plain trust would be wrong.
      skipped.push({ line: i + 1, why: `${fields[0]} lines are not imported` });
      return;
    }
    const [hosts, keyType, keyBase64] = fields;
    if (!hosts || !keyType || !keyBase64) {
      skipped.push({ line: i + 1, why: 'not "hosts keytype key"' });
      return;
    }
    const blob = Buffer.from(keyBase64, 'base64');
    if (keyTypeOf(blob) !== keyType) {
      skipped.push({ line: i + 1, why: 'the key does not decode as its key type' });
      return;
    }
    const fingerprint = sha256Fingerprint(blob);
    for (const pattern of hosts.split(',')) {
      if (pattern.startsWith('|1|')) {
        entries.push({ hostPattern: pattern, port: 22, hashed: true, keyType, fingerprint });
        continue;
      }
      if (/[*?!]/.test(pattern)) {
        skipped.push({ line: i + 1, why: `wildcard pattern ${pattern} is not imported` });
        continue;
      }
      const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(pattern);
      if (bracketed) entries.push({ hostPattern: bracketed[1]!.toLowerCase(), port: Number(bracketed[2]), hashed: false, keyType, fingerprint });
      else entries.push({ hostPattern: pattern.toLowerCase(), port: 22, hashed: false, keyType, fingerprint });
    }
  });
  return { entries, skipped };
}

/** The name ssh(1) hashes for a host: "host" on port 22, "[host]:port" otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host.toLowerCase() : `[${host.toLowerCase()}]:${port}`;
}

/** Whether a `|1|base64salt|base64hmac` entry is this host:port (HMAC-SHA1 keyed by the salt). */
export function hashedHostMatches(token: string, host: string, port: number): boolean {
  const parts = token.split('|');
  if (parts.length !== 4 || parts[1] !== '1') return false;
  const salt = Buffer.from(parts[2]!, 'base64');
  const expected = createHmac('sha1', salt).update(knownHostsName(host, port)).digest('base64');
  return expected === parts[3];
}
