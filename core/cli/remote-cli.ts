import { Option, type Command } from 'commander';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { OutpostError } from '../contract/errors.js';
import type { FanoutTemplate } from '../contract/fanout.js';
import { resultRow, runFanout, tally, tallyText, type FanOutResult } from '../endpoints/fanout-engine.js';
import { isFingerprint } from '../ssh/host-key-fingerprint.js';
import type { KnownHostsStore, PresentedHostKey } from '../ssh/known-hosts-store.js';
import { parseHostSpec } from '../ssh/ssh-config-file.js';
import type { HostKeyPolicy } from '../ssh/ssh-connection.js';
import { endpointLabel } from '../ssh/ssh-target.js';
import { UsageError } from './cli-error.js';
import { authFrom, collect, hostSpec, jumpHops, readPrivateKey, readStdin, SSH_FAILED } from './ssh-cli-options.js';
import { positiveInt, type CliContext } from './cli-context.js';
import { errorLine, formatTable } from './output.js';





/** The --ca file: at least one PEM certificate and every one of them readable, checked before any connection. */
function readCaFile(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`Cannot read CA file ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'}).`);
  }
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new UsageError(`--ca ${file} holds no PEM certificate (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----).`);
  for (const [i, pem] of blocks.entries()) {
    try {
      new X509Certificate(pem);
    } catch {
      throw new UsageError(`--ca ${file}: certificate ${i + 1} of ${blocks.length} is not a valid PEM certificate.`);
    }
  }
  return text;
}







/** Where a fingerprint the operator gave for `outpost fanout` came from (for the error that names it). */
interface ExpectedKey {
  fingerprint: string;
  source: string;
}

const addressKey = (host: string, port: number): string => `${host.toLowerCase()}#${port}`;

/**
 * `outpost fanout`'s host keys: the known-hosts store, plus the fingerprints the operator gave for
 * some hosts (hosts file) and jump hops (--jump-trust). A host with a given fingerprint must present
 * exactly it: a match that the store does not know yet is trusted and recorded (as `exec --trust`),
 * anything else fails that host before any credential is sent. A key the store already trusts
 * differently stays a hard stop.
 */
function fanoutHostKeys(store: KnownHostsStore, expected: ReadonlyMap<string, ExpectedKey>, actor: string, onTrusted: (key: PresentedHostKey, source: string) => void): HostKeyPolicy {
  return {
    async verify(key: PresentedHostKey) {
      const want = expected.get(addressKey(key.host, key.port));
      const where = `${key.host.includes(':') ? `[${key.host}]` : key.host}:${key.port}`;
      if (want && want.fingerprint !== key.fingerprint) {
        throw new OutpostError(
          'HOST_KEY_CHANGED',
          `${where} presented ${key.keyType ?? 'key'} ${key.fingerprint}, not ${want.fingerprint} as ${want.source} expects. Someone may be intercepting this connection, or the fingerprint given is wrong (check with ssh-keygen -lf on the host). Nothing was sent.`,
          { host: key.host, port: key.port, keyType: key.keyType, fingerprint: key.fingerprint, expected: want.fingerprint },
        );
      }
      try {
        await store.verify(key);
      } catch (err) {
        if (want && err instanceof OutpostError && err.code === 'HOST_KEY_UNKNOWN') {
          await store.trust({ host: key.host, port: key.port, fingerprint: key.fingerprint, keyType: key.keyType }, actor);
          onTrusted(key, want.source);
          return;
        }
        throw err;
      }
    },
    preferredKeyTypes: (host, port) => store.preferredKeyTypes(host, port),
  };
}

/** One host of an `outpost fanout` hosts file: where, as whom, the text it is shown as, and the fingerprint it must present (if given). */
export interface HostsFileEntry {
  host: string;
  port: number;
  user: string | null;
  label: string;
  fingerprint: string | null;
  line: number;
}

/**
 * Parses an `outpost fanout` hosts file: one `[user@]host[:port] [SHA256:fingerprint]` per line,
 * `#` starts a comment. The first bad line is one usage error naming its number; nothing is run.
 */
export function parseHostsFile(text: string, file: string): HostsFileEntry[] {
  const entries: HostsFileEntry[] = [];
  const seen = new Map<string, HostsFileEntry>();
  const lines = text.split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const line = i + 1;
    const fields = raw.replace(/#.*/, '').trim().split(/\s+/).filter(Boolean);
    if (fields.length === 0) continue;
    const at = `${file} line ${line}`;
    if (fields.length > 2) throw new UsageError(`${at}: expected host[:port] and an optional fingerprint (SHA256:...), got ${fields.length} fields.`);
    const [spec, fingerprint] = fields as [string, string | undefined];
    let h: { user: string | null; host: string; port: number };
    try {
      h = parseHostSpec(spec);
    } catch (err) {
      throw new UsageError(`${at}: ${(err as Error).message}.`);
    }
    if (h.user !== null && !/^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$/.test(h.user)) throw new UsageError(`${at}: "${spec}": the user before @ is letters, digits, dots, dashes or underscores.`);
    if (!/^[A-Za-z0-9_.:-]{1,253}$/.test(h.host)) throw new UsageError(`${at}: "${spec}" is not [user@]host[:port] (a host name or an IP address; [IPv6]:port with a port).`);
    if (fingerprint !== undefined && !isFingerprint(fingerprint)) throw new UsageError(`${at}: "${fingerprint}" is not a host key fingerprint; give it as ssh-keygen -lf prints it (SHA256: and 43 base64 characters).`);
    const entry: HostsFileEntry = { host: h.host, port: h.port, user: h.user, label: spec, fingerprint: fingerprint ?? null, line };
    const earlier = seen.get(addressKey(h.host, h.port));
    if (earlier && earlier.fingerprint && entry.fingerprint && earlier.fingerprint !== entry.fingerprint) {
      throw new UsageError(`${at}: ${h.host.includes(':') ? `[${h.host}]` : h.host}:${h.port} is given ${entry.fingerprint}, but line ${earlier.line} gives it ${earlier.fingerprint}.`);
    }
    if (!earlier || (!earlier.fingerprint && entry.fingerprint)) seen.set(addressKey(h.host, h.port), entry);
    entries.push(entry);
  }
  return entries;
}

/** Columns of the live fan-out table: HOST sized from the hosts file, EXIT from the codes a row can end with. */
const EXIT_WIDTH = Math.max(...['EXIT', 'signal', 'UNREACHABLE', 'TIMEOUT', 'SSH_AUTH', 'HOST_KEY_UNKNOWN', 'HOST_KEY_CHANGED'].map((c) => c.length));

function fanoutLine(widths: { host: number; ms: number }, cells: [string, string, string, string]): string {
  const [host, exit, ms, output] = cells;
  return `${host.padEnd(widths.host)}  ${exit.padEnd(EXIT_WIDTH)}  ${ms.padStart(widths.ms)}  ${output}`.trimEnd();
}


/** A saved template by name (through the contract, as the app reads it). */
async function templateFor(context: CliContext, name: string): Promise<FanoutTemplate> {
  const found = (await context.call('fanout.template.list', {})).find((t) => t.name === name);
  if (!found) throw new UsageError(`No fan-out template "${name}". List them with outpost fanout templates.`);
  return found;
}

export function registerRemoteCommands(program: Command, context: CliContext): void {
  program
    .command('fanout')
    .description('Run one command on many hosts over SSH with bounded concurrency, a line per host as it finishes; exit 0 only if it exited 0 everywhere. A host or jump host given with its fingerprint (hosts file, --jump-trust) is trusted if it presents exactly that key; if not, it fails alone')
    .option('--hosts-file <file>', 'one [user@]host[:port] per line, optionally followed by its host key fingerprint as ssh-keygen -lf prints it (SHA256:...); # comments')
    .option('--template <name>', 'a saved fan-out template (outpost fanout templates): its hosts, jumps and command, unless given here')
    .option('--user <user>', 'remote user (required)')
    .option('--key <file>', 'private key (OpenSSH or PEM); passphrase from $OUTPOST_SSH_KEY_PASSPHRASE (required)')
    .option('--jump <user@host:port>', 'reach every host through this jump host (repeat, or a comma list, for a chain; first hop first); same key; one connection to it is shared', collect)
    .option('--jump-trust <SHA256:...>', "a jump host's key fingerprint (as ssh-keygen -lf prints it): one per --jump hop, in order; an unknown hop presenting it is trusted", collect)
    .option('--concurrency <n>', 'hosts at once (1-256)', positiveInt('--concurrency', 256), 20)
    .option('--timeout <seconds>', 'per host', positiveInt('--timeout', 86_400), 60)
    .option('--lines <n>', 'output lines shown per host', positiveInt('--lines', 100), 3)
    .argument('[command...]', 'the command (after --); `outpost fanout templates` lists the saved templates')
    .action(async (given: string[], o: { hostsFile?: string; template?: string; user?: string; key?: string; jump?: string[]; jumpTrust?: string[]; concurrency: number; timeout: number; lines: number }) => {
      if (given.length === 1 && given[0] === 'templates' && !o.hostsFile && !o.template) {
        const rows = await context.call('fanout.template.list', {});
        const out = context.out;
        if (out.json) out.write(JSON.stringify(rows));
        else if (rows.length === 0) out.write('No fan-out templates. Save one from the Fan-out view (Save as template).');
        else out.write(formatTable(['NAME', 'HOSTS', 'JUMPS', 'CREDENTIAL', 'COMMAND'], rows.map((t) => [t.name, String(t.hosts.length + t.vms.length + t.sshConfigHosts.length), t.jumps.map((j) => `${j.user ? `${j.user}@` : ''}${j.host}:${j.port}`).join(' -> ') || '-', t.credential, t.command.split('\n')[0]!.slice(0, 60)])));
        return;
      }
      if (!o.user) throw new UsageError('Give --user (the remote user).');
      if (!o.key) throw new UsageError('Give --key (a private key file).');
      const user = o.user;
      const template = o.template ? await templateFor(context, o.template) : null;
      const words = given.length ? given : template ? [template.command] : [];
      if (words.length === 0) throw new UsageError('Give the command after --, or --template.');
      if (!o.hostsFile && !template) throw new UsageError('Give --hosts-file, or --template.');
      if (!o.jump && template?.jumps.length) o.jump = template.jumps.map((j) => `${j.user ?? user}@${j.host.includes(':') ? `[${j.host}]` : j.host}:${j.port}`);
      if (!/^[A-Za-z0-9_][A-Za-z0-9._@\\$-]{0,63}$/.test(user)) throw new UsageError(`--user "${user}" is not a user name (letters, digits and . _ - @ \\ $; up to 64).`);
      for (const fp of o.jumpTrust ?? []) if (!isFingerprint(fp)) throw new UsageError(`--jump-trust ${fp} is not a fingerprint; give it as ssh-keygen -lf prints it (SHA256: and 43 base64 characters).`);
      let text: string;
      const hostsFile = o.hostsFile ?? `template ${o.template}`;
      if (o.hostsFile) {
        try {
          text = readFileSync(o.hostsFile, 'utf8');
        } catch (err) {
          throw new UsageError(`Cannot read hosts file ${o.hostsFile} (${(err as NodeJS.ErrnoException).code ?? 'error'}).`);
        }
      } else text = template!.hosts.join('\n');
      const entries = parseHostsFile(text, hostsFile);
      if (entries.length === 0) throw new UsageError(`${hostsFile} lists no hosts${template ? ' (the CLI runs a template\'s host:port targets; its VMs and ssh_config hosts run from the app)' : ''}.`);
      const auth = await authFrom({ key: o.key });
      const jumps = jumpHops(o.jump, user, auth);
      const jumpTrust = o.jumpTrust ?? [];
      if (jumpTrust.length > 0 && jumpTrust.length !== jumps.length) {
        throw new UsageError(
          jumps.length === 0 ? '--jump-trust needs --jump: give one fingerprint per jump host, in order.' : `--jump-trust: ${jumpTrust.length} fingerprint(s) for ${jumps.length} jump host(s); give one per hop, in order.`,
        );
      }
      // The fingerprints the operator gave, by address: the jump hops' first, then the hosts file's (one address, one key).
      const expected = new Map<string, ExpectedKey>();
      for (const [i, fp] of jumpTrust.entries()) {
        const hop = jumps[i]!;
        const k = addressKey(hop.host, hop.port);
        const other = expected.get(k);
        if (other && other.fingerprint !== fp) throw new UsageError(`--jump-trust: hop ${i + 1} (${endpointLabel(hop)}) is given ${fp}, but ${other.source} gives it ${other.fingerprint}.`);
        expected.set(k, { fingerprint: fp, source: `--jump-trust (hop ${i + 1})` });
      }
      for (const e of entries) {
        if (!e.fingerprint) continue;
        const k = addressKey(e.host, e.port);
        const other = expected.get(k);
        if (other && other.fingerprint !== e.fingerprint) throw new UsageError(`${hostsFile} line ${e.line}: ${e.label} is given ${e.fingerprint}, but ${other.source} gives it ${other.fingerprint}.`);
        if (!other) expected.set(k, { fingerprint: e.fingerprint, source: `${hostsFile} line ${e.line}` });
      }
      const jump = jumps.length ? jumps.map(endpointLabel).join(' -> ') : null;
      const hosts = entries.map((e) => ({ target: { host: e.host, port: e.port, user: e.user ?? user, auth, jumps }, label: e.label }));
      const core = await context.open();
      const actor = await core.services.defaultActor();
      // Hosts behind the jump host share one connection to it (a forwarded channel each), as in the app's fan-out jobs.
      // Keys recorded because they matched a given fingerprint: said after the rows (--json: "trusted").
      const trusted: { host: string; port: number; keyType: string | null; fingerprint: string; source: string }[] = [];
      const hostKeys = fanoutHostKeys(core.services.remote.knownHosts, expected, actor, (k, source) => trusted.push({ host: k.host, port: k.port, keyType: k.keyType, fingerprint: k.fingerprint, source }));
      const pool = core.services.endpoints.sshPool({ hostKeys, shareJumps: true });
      const command = words.join(' ');
      const started = performance.now();
      const out = context.out;
      // Text: a line per host as it finishes (completion order), columns sized up front; --json: one document at the end.
      const widths = { host: Math.max(4, ...hosts.map((h) => h.label.length)), ms: Math.max(2, String(o.timeout * 1000 + 15_000).length) };
      const lineOf = (r: FanOutResult): string =>
        fanoutLine(widths, [r.host, r.exitCode === null ? (r.error?.code ?? 'signal') : String(r.exitCode), String(r.durationMs), (r.error ? r.error.message : r.stdoutHead || r.stderrHead).split('\n')[0] ?? '']);
      if (!out.json) {
        if (jump) out.write(`Through ${jump}`);
        out.write(fanoutLine(widths, ['HOST', 'EXIT', 'MS', 'OUTPUT']));
      }
      try {
        // The same engine as the app's fan-out jobs and ssh.fanout.
        const runs = await runFanout(hosts, command, { pool, concurrency: o.concurrency, timeoutMs: o.timeout * 1000, ...(out.json ? {} : { onResult: (r) => out.write(lineOf(resultRow(r, o.lines))) }) });
        const results = runs.map((r) => resultRow(r, o.lines));
        const t = tally(runs);
        const failed = t.failed;
        await core.services.audit.append({ actor: await core.services.defaultActor(), action: 'ssh.fanout', target: tallyText(t), outcome: failed ? 'failed' : 'ok', details: { command: command.slice(0, 200), hosts: t.total, ok: t.ok, failed, ...(jump ? { jump } : {}) } });
        const durationMs = Math.round(performance.now() - started);
        if (out.json) out.write(JSON.stringify({ results: results.map((r) => ({ ...r, jump })), failed, durationMs, jump, jumpConnections: pool.jumpConnectionsOpened, trusted }));
        else {
          for (const t of trusted) out.write(`Trusted ${t.keyType ?? 'key'} ${t.fingerprint} for ${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port} (${t.source}).`);
          out.write(`${results.length - failed}/${results.length} hosts exited 0 in ${durationMs} ms${jump ? ` (${pool.jumpConnectionsOpened} connection(s) to the jump host)` : ''}.`);
        }
        process.exitCode = failed ? 1 : 0;
      } finally {
        pool.close();
      }
    });

  const winrm = program.command('winrm').description('Windows Remote Management (WS-Management shell)');
  winrm
    .command('exec')
    .description('Run a command over WinRM; exits with its exit code (255: WinRM failed)')
    .requiredOption('--url <url>', 'http://host:5985/wsman or https://host:5986/wsman')
    .requiredOption('--user <user>', 'user, DOMAIN\\user or user@domain')
    .requiredOption('--password-stdin', 'read the password from standard input')
    .addOption(new Option('--auth <method>', 'authentication').choices(['basic', 'ntlm']).default('basic'))
    .option('--ca <file>', 'HTTPS: trust this CA certificate (PEM)')
    .option('--powershell', 'run the command as a PowerShell script (-EncodedCommand)')
    .option('--timeout <seconds>', 'stop the command after this long', positiveInt('--timeout', 86_400), 300)
    .argument('<command...>', 'the command (after --)')
    .action(async (words: string[], o: { url: string; user: string; auth: 'basic' | 'ntlm'; ca?: string; powershell?: boolean; timeout: number }) => {
      const ca = o.ca ? readCaFile(o.ca) : undefined;
      const password = await readStdin('The password');
      const core = await context.open();
      // HTTPS trusts the system's CAs, the ones imported into Outpost (outpost cert import), and --ca: the endpoint layer settles it.
      const client = await core.services.endpoints.winrm({ url: o.url, user: o.user, password, auth: o.auth, ca });
      const command = words.join(' ');
      const audit = async (outcome: 'ok' | 'failed', details: Record<string, unknown>): Promise<void> => {
        await core.services.audit.append({ actor: await core.services.defaultActor(), action: 'winrm.exec', target: new URL(o.url).host, outcome, details: { command: command.slice(0, 200), user: o.user, ...details } });
      };
      try {
        const r = o.powershell ? await client.runPowerShell(command, { timeoutMs: o.timeout * 1000 }) : await client.run(command, [], { timeoutMs: o.timeout * 1000 });
        await audit(r.exitCode === 0 ? 'ok' : 'failed', { exitCode: r.exitCode });
        const out = context.out;
        if (out.json) out.write(JSON.stringify({ exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, durationMs: Math.round(r.durationMs) }));
        else {
          process.stdout.write(r.stdout);
          process.stderr.write(r.stderr);
        }
        process.exitCode = r.exitCode;
      } catch (err) {
        if (err instanceof OutpostError && err.code !== 'VALIDATION') {
          const e = err.toContract();
          await audit('failed', { code: e.code });
          process.stderr.write(context.out.json ? `${JSON.stringify({ error: e })}\n` : errorLine(e));
          process.exitCode = SSH_FAILED;
          return;
        }
        throw err;
      } finally {
        client.close();
      }
    });

  const knownHosts = program.command('known-hosts').description("SSH host keys Outpost trusts (its own store; import the operator's known_hosts)");
  knownHosts
    .command('list')
    .description('Trusted host keys')
    .action(async () => {
      const rows = await context.call('knownHosts.list', {});
      const out = context.out;
      if (out.json) out.write(JSON.stringify(rows));
      else if (rows.length === 0) out.write('No trusted host keys. Trust one: outpost known-hosts trust --host H --fingerprint SHA256:...');
      else out.write(formatTable(['HOST', 'PORT', 'TYPE', 'FINGERPRINT', 'SOURCE'], rows.map((k) => [k.hashed ? '(hashed)' : k.host, k.hashed ? '*' : String(k.port), k.keyType ?? '-', k.fingerprint, k.source])));
    });
  knownHosts
    .command('trust')
    .description('Trust a host key fingerprint you confirmed with the host owner')
    .requiredOption('--host <host[:port]>', 'host')
    .requiredOption('--fingerprint <SHA256:...>', 'as ssh-keygen -lf prints it')
    .action(async (o: { host: string; fingerprint: string }) => {
      const h = hostSpec(o.host);
      const row = await context.call('knownHosts.trust', { host: h.host, port: h.port, fingerprint: o.fingerprint });
      const out = context.out;
      out.write(out.json ? JSON.stringify(row) : `Trusted ${row.fingerprint} for ${row.host}:${row.port}.`);
    });
  knownHosts
    .command('remove')
    .description('Forget every trusted key of a host')
    .requiredOption('--host <host[:port]>', 'host')
    .action(async (o: { host: string }) => {
      const h = hostSpec(o.host);
      const r = await context.call('knownHosts.remove', { host: h.host, port: h.port });
      const out = context.out;
      out.write(out.json ? JSON.stringify(r) : `Removed ${r.removed} key(s) of ${h.host}:${h.port}.`);
    });
  knownHosts
    .command('import')
    .description('Import an OpenSSH known_hosts file (default ~/.ssh/known_hosts; hashed entries too)')
    .option('--file <path>', 'known_hosts file')
    .action(async (o: { file?: string }) => {
      // The CLI is the operator's own process: it reads the file it was given and hands over the text.
      let picked = {};
      if (o.file) {
        try {
          picked = { text: readFileSync(o.file, 'utf8'), fileName: basename(o.file) };
        } catch (err) {
          throw new UsageError(`--file: cannot read ${o.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.`);
        }
      }
      const r = await context.call('knownHosts.import', picked);
      const out = context.out;
      out.write(out.json ? JSON.stringify(r) : `Imported ${r.imported} key(s); ${r.alreadyKnown} already known; ${r.skipped.length} line(s) skipped.`);
    });

  const credential = program.command('credential').description('Credential profiles in the vault (needs OUTPOST_VAULT_PASSPHRASE)');
  credential
    .command('add')
    .description('Save a user with a password (--password-stdin) or a private key (--key; its passphrase with --passphrase-stdin)')
    .requiredOption('--name <name>', 'profile name')
    .requiredOption('--user <user>', 'user name')
    .option('--password-stdin', 'read the password from standard input')
    .option('--key <file>', 'private key file (OpenSSH or PEM)')
    .option('--passphrase-stdin', "read the key's passphrase from standard input")
    .option('--site <name>', 'scope it to a site')
    .option('--vm <name>', 'scope it to a VM')
    .action(async (o: { name: string; user: string; passwordStdin?: boolean; key?: string; passphraseStdin?: boolean; site?: string; vm?: string }) => {
      if (Boolean(o.passwordStdin) === Boolean(o.key)) throw new UsageError('Give exactly one of --password-stdin and --key.');
      if (o.site && o.vm) throw new UsageError('Give --site or --vm, not both.');
      if (o.passphraseStdin && !o.key) throw new UsageError('--passphrase-stdin goes with --key (the passphrase of that key).');
      let secret;
      if (o.key) {
        // The key is checked as exec --key checks it, before anything is stored: a profile with a
        // public key, a non-key or a key it cannot open would only fail later, on every host.
        const passphrase = o.passphraseStdin ? await readStdin('The passphrase') : undefined;
        secret = { type: 'private-key' as const, privateKey: readPrivateKey(o.key, passphrase, 'with --passphrase-stdin'), ...(passphrase !== undefined ? { passphrase } : {}) };
      } else secret = { type: 'password' as const, password: await readStdin('The password') };
      const scope = o.site ? { type: 'site' as const, ref: o.site } : o.vm ? { type: 'vm' as const, ref: o.vm } : { type: 'global' as const };
      const saved = await context.call('credentials.add', { name: o.name, username: o.user, scope, secret });
      const out = context.out;
      out.write(out.json ? JSON.stringify(saved) : `Credential ${saved.name} (${saved.kind}, ${saved.username}) saved.`);
    });
  credential
    .command('list')
    .description('Credential profiles (never their secrets)')
    .action(async () => {
      const rows = await context.call('credentials.list', {});
      const out = context.out;
      if (out.json) out.write(JSON.stringify(rows));
      else if (rows.length === 0) out.write('No credentials. Add one: outpost credential add --name N --user U --key FILE');
      else out.write(formatTable(['NAME', 'KIND', 'USER', 'SCOPE'], rows.map((c) => [c.name, c.kind, c.username ?? '-', c.scope.type === 'global' ? 'global' : `${c.scope.type} ${c.scope.ref}`])));
    });
  credential
    .command('remove')
    .description('Delete a credential profile')
    .requiredOption('--name <name>', 'profile name')
    .action(async (o: { name: string }) => {
      await context.call('credentials.remove', { name: o.name });
      const out = context.out;
      out.write(out.json ? JSON.stringify({ removed: o.name }) : `Credential ${o.name} removed.`);
    });
}
