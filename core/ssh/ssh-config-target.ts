import { readFileSync } from 'node:fs';
import { OutpostError } from '../contract/errors.js';
import { parseHostSpec, resolveSshConfig } from './ssh-config-file.js';
import type { SshAuth, SshEndpoint, SshTarget } from './ssh-target.js';

/**
 * Builds a target from an OpenSSH client config: HostName, Port, User, the first readable
 * IdentityFile, and ProxyJump hops (each hop resolved through the same config, as ssh(1) does).
 * `fallbackAuth` is used for hops without a readable IdentityFile (a password, an agent); `auth`
 * instead authenticates every hop and no IdentityFile is read (a fan-out job's credential profile).
 */
export function targetFromSshConfig(configText: string, alias: string, options: { defaultUser: string; fallbackAuth?: SshAuth; passphrase?: string; auth?: SshAuth }): SshTarget {
  const endpoint = (spec: string, depth: number): SshEndpoint & { jumps: string[] } => {
    if (depth > 8) throw new OutpostError('VALIDATION', `ProxyJump chain from ${alias} is longer than 8 hops (a loop?).`);
    const parsed = parseHostSpec(spec);
    const resolved = resolveSshConfig(configText, parsed.host);
    const keyFile = options.auth ? undefined : resolved.identityFiles.find((f) => {
      try {
        readFileSync(f);
        return true;
      } catch {
        return false;
      }
    });
    const auth: SshAuth | undefined = options.auth ?? (keyFile ? { type: 'private-key', privateKey: readFileSync(keyFile, 'utf8'), ...(options.passphrase ? { passphrase: options.passphrase } : {}) } : options.fallbackAuth);
    if (!auth) throw new OutpostError('VALIDATION', `No usable IdentityFile for ${parsed.host} (tried ${resolved.identityFiles.join(', ') || 'none'}), and no password or agent given.`);
    return {
      host: resolved.hostName,
      port: spec.includes(':') && !spec.startsWith('[') ? parsed.port : resolved.port,
      user: parsed.user ?? resolved.user ?? options.defaultUser,
      auth,
      jumps: resolved.proxyJump,
    };
  };
  // ssh(1) reaches each jump host with its own config, so a jump host's ProxyJump comes before it.
  const chain = (spec: string, depth: number): SshEndpoint[] => {
    const { jumps, ...e } = endpoint(spec, depth);
    return [...jumps.flatMap((j) => chain(j, depth + 1)), e];
  };
  const target = endpoint(alias, 0);
  const { jumps: _viaConfig, ...last } = target;
  return { ...last, jumps: target.jumps.flatMap((j) => chain(j, 1)) };
}
