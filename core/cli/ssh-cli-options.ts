// What `outpost exec`, `fanout` and `credential` share: reading secrets and keys, host specs,
// --jump hops and host-key decisions. Light on purpose: `exec` loads this and not the whole CLI.
import { createInterface } from 'node:readline/promises';
import { readFileSync } from 'node:fs';
import ssh2 from 'ssh2';
import { OutpostError } from '../contract/errors.js';
import { parseJumpList } from '../contract/fanout.js';
import type { KnownHostsStore, PresentedHostKey } from '../ssh/known-hosts-store.js';
import { parseHostSpec } from '../ssh/ssh-config-file.js';
import type { HostKeyPolicy } from '../ssh/ssh-connection.js';
import type { SshAuth, SshEndpoint } from '../ssh/ssh-target.js';
import { UsageError } from './cli-error.js';

/** ssh(1)'s convention: 255 means "the SSH layer failed", any other code is the remote command's. */
export const SSH_FAILED = 255;

export async function readStdin(what: string): Promise<string> {
  if (process.stdin.isTTY) throw new UsageError(`${what} is read from standard input: pipe it in (e.g. from a password manager).`);
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  if (!text) throw new UsageError(`${what} on standard input is empty.`);
  return text;
}

export function readKeyFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`Cannot read key file ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'}).`);
  }
}

/**
 * The --key file, checked as ssh2 will read it, before any connection: a file that is not a
 * private key (a public key, a certificate, anything else), an encrypted key without its
 * passphrase, or a wrong passphrase is one usage error here instead of a failure per host.
 */
export function readPrivateKey(file: string, passphrase: string | undefined, passphraseFrom = 'in $OUTPOST_SSH_KEY_PASSPHRASE'): string {
  const text = readKeyFile(file);
  const parsed = ssh2.utils.parseKey(text, passphrase);
  if (parsed instanceof Error) {
    if (/no passphrase given/i.test(parsed.message)) throw new UsageError(`--key ${file} is encrypted: give its passphrase ${passphraseFrom}.`);
    if (passphrase !== undefined && /passphrase|decrypt|integrity/i.test(parsed.message)) throw new UsageError(`--key ${file} does not open with the passphrase ${passphraseFrom}.`);
    throw new UsageError(`--key ${file} is not a private key (give an OpenSSH or PEM private key, as ssh-keygen writes it).`);
  }
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key?.isPrivateKey()) throw new UsageError(`--key ${file} is a public key; give the private key (the file without .pub).`);
  return text;
}

export function hostSpec(spec: string, user?: string): { user: string | null; host: string; port: number } {
  try {
    return parseHostSpec(spec, user ? { user } : {});
  } catch (err) {
    throw new UsageError(`${(err as Error).message}.`);
  }
}

/**
 * The known-hosts store, plus fingerprints the operator vouched for on the command line
 * (--trust): an unknown host presenting one of them is trusted and recorded; a changed key
 * stays a hard stop whatever was given.
 */
export function cliHostKeys(store: KnownHostsStore, vouched: readonly string[], actor: string): HostKeyPolicy {
  return {
    async verify(key: PresentedHostKey) {
      try {
        await store.verify(key);
      } catch (err) {
        if (err instanceof OutpostError && err.code === 'HOST_KEY_UNKNOWN' && vouched.includes(key.fingerprint)) {
          await store.trust({ host: key.host, port: key.port, fingerprint: key.fingerprint, keyType: key.keyType }, actor);
          return;
        }
        if (err instanceof OutpostError && err.code === 'HOST_KEY_UNKNOWN' && vouched.length > 0) {
          throw new OutpostError('HOST_KEY_UNKNOWN', `${key.host}:${key.port} presented ${key.fingerprint}, which is not the fingerprint given with --trust. Nothing was sent.`, err.details);
        }
        throw err;
      }
    },
    preferredKeyTypes: (host, port) => store.preferredKeyTypes(host, port),
  };
}

export async function authFrom(o: { key?: string; passwordStdin?: boolean }): Promise<SshAuth> {
  if (o.key && o.passwordStdin) throw new UsageError('Give either --key or --password-stdin, not both.');
  if (o.key) {
    const passphrase = process.env.OUTPOST_SSH_KEY_PASSPHRASE || undefined;
    return { type: 'private-key', privateKey: readPrivateKey(o.key, passphrase), ...(passphrase ? { passphrase } : {}) };
  }
  if (o.passwordStdin) return { type: 'password', password: await readStdin('The password') };
  if (process.env.SSH_AUTH_SOCK) return { type: 'agent' };
  throw new UsageError('Give --key FILE or --password-stdin (or run an ssh-agent).');
}

export async function readAll(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** --jump values (repeated and/or comma lists, first hop first) as hops authenticating like the target. */
export function jumpHops(values: readonly string[] | undefined, user: string, auth: SshAuth): SshEndpoint[] {
  const parsed = parseJumpList((values ?? []).join(','));
  if ('error' in parsed) throw new UsageError(`--jump: ${parsed.error}`);
  return parsed.hops.map((h) => ({ host: h.host, port: h.port, user: h.user ?? user, auth }));
}

export async function confirmHostKey(err: OutpostError): Promise<boolean> {
  const d = err.details as { host: string; port: number; fingerprint: string; keyType: string | null };
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`The host key of ${d.host}:${d.port} is not known.\n  ${d.keyType ?? 'key'} ${d.fingerprint}\nCompare it with ssh-keygen -lf on the host. Trust it? Type yes: `);
    return answer.trim().toLowerCase() === 'yes';
  } finally {
    rl.close();
  }
}
