import { Option, type Command } from 'commander';
import { readFileSync } from 'node:fs';
import { OutpostError } from '../contract/errors.js';
import { mapEntries, parseHostList, renderHostsBlock } from '../helpers/hosts-entries.js';
import { writeHostsEntries } from '../helpers/hosts-file.js';
import { parseTarget, preflight, presets, type PortTarget } from '../helpers/port-preflight.js';
import { LocalTranslation } from '../helpers/translation-local.js';
import { buildTranslation, parsePorts, previewRules, type RuleFormat } from '../helpers/translation-rules.js';
import { privilegedLocalRunner } from '../exec/command-runner.js';
import { positiveInt, type CliContext } from './cli-context.js';
import { formatTable } from './output.js';
import { collect } from './ssh-cli-options.js';

interface HostsPushOptions {
  host: string;
  credential: string;
  user?: string;
  path: string;
  site?: string;
  vm?: string[];
  fromFile?: string;
  address: 'private' | 'public';
}

function readListFile(file: string): string {
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (err) {
    throw new OutpostError('VALIDATION', `Cannot read ${file}: ${(err as Error).message}`);
  }
}

/** `outpost hosts preview|push`: the same input either way; VMs need their site. */
function hostsInput(o: HostsPushOptions) {
  const vms = o.vm ?? [];
  if (vms.length > 0 && !o.site) throw new OutpostError('VALIDATION', '--vm needs --site (the vCenter the VMs are in).');
  if (vms.length === 0 && o.fromFile === undefined) throw new OutpostError('VALIDATION', 'Give --site S --vm NAME (repeat --vm), or --from-file F.');
  return {
    host: o.host,
    credential: o.credential,
    ...(o.user !== undefined ? { user: o.user } : {}),
    path: o.path,
    vms: vms.map((vm) => ({ site: o.site!, vm })),
    address: o.address,
    ...(o.fromFile !== undefined ? { text: readListFile(o.fromFile) } : {}),
  };
}

function hostsCommand(parent: Command, name: string, description: string): Command {
  return parent
    .command(name)
    .description(description)
    .requiredOption('--host <host[:port]>', 'the node whose hosts file gets the entries (reached over SSH; its host key must be trusted)')
    .requiredOption('--credential <name>', 'credential profile to log in with (its user, unless --user)')
    .option('--user <user>', 'remote user (root, or one allowed to write the file)')
    .option('--path <file>', 'hosts file on the node', '/etc/hosts')
    .option('--site <site>', 'the vCenter the --vm names are in')
    .option('--vm <name>', 'an inventory VM (repeat)', collect)
    .option('--from-file <file>', 'also (or instead) a list of "IP name [aliases]" lines ("-" for standard input)')
    .addOption(new Option('--address <kind>', "VMs by their guest IP (private) or the NAT'd public IP the CMDB holds for enrolled VMs (public)").choices(['private', 'public']).default('private'));
}

const FORMATS: RuleFormat[] = ['iptables', 'nft', 'windows', 'macos'];

export function registerHelperCommands(program: Command, context: CliContext): void {
  program
    .command('translate')
    .description('Reach private management addresses through a public forwarding IP (or a mapped prefix) from this machine')
    .requiredOption('--subnet <cidr>', 'private prefix the services advertise, e.g. 192.168.100.0/24')
    .option('--to <ip>', 'public forwarding address')
    .option('--to-prefix <cidr>', 'public prefix of the same size, mapped address for address (NETMAP)')
    .option('--ports <list>', 'only these ports, e.g. 22,443')
    .option('--protocol <p>', 'tcp, udp or all', 'tcp')
    .option('--format <f>', `rules to print or apply: ${FORMATS.join(', ')}`, 'iptables')
    .option('--apply', 'apply the rules on this machine (Linux; root or pkexec)')
    .option('--remove', 'remove these rules from this machine')
    .option('--show', "list Outpost's translation rules applied on this machine now")
    .action(async (o: { subnet: string; to?: string; toPrefix?: string; ports?: string; protocol: string; format: string; apply?: boolean; remove?: boolean; show?: boolean }) => {
      if (!FORMATS.includes(o.format as RuleFormat)) throw new OutpostError('VALIDATION', `--format must be one of ${FORMATS.join(', ')}.`);
      if (!['tcp', 'udp', 'all'].includes(o.protocol)) throw new OutpostError('VALIDATION', '--protocol must be tcp, udp or all.');
      if ([o.apply, o.remove, o.show].filter(Boolean).length > 1) throw new OutpostError('VALIDATION', 'Use at most one of --apply, --remove, --show.');
      const spec = {
        subnet: o.subnet,
        ...(o.to !== undefined ? { to: o.to } : {}),
        ...(o.toPrefix !== undefined ? { toPrefix: o.toPrefix } : {}),
        ...(o.ports !== undefined ? { ports: parsePorts(o.ports) } : {}),
        protocol: o.protocol as 'tcp' | 'udp' | 'all',
      };
      const t = buildTranslation(spec);
      const format = o.format as RuleFormat;
      const out = context.out;
      if (!o.apply && !o.remove && !o.show) {
        const preview = previewRules(t, format);
        out.write(out.json ? JSON.stringify({ tag: t.tag, format, rules: preview }) : preview);
        return;
      }
      if (format !== 'iptables' && format !== 'nft') throw new OutpostError('VALIDATION', `Outpost applies rules on Linux only; use --format ${format} to print the instructions for that system.`);
      if (process.platform !== 'linux') throw new OutpostError('VALIDATION', 'Applying rules works on Linux; print them with --format windows or macos instead.');
      const local = new LocalTranslation(privilegedLocalRunner(), format);
      if (o.show) {
        const applied = await local.show();
        out.write(out.json ? JSON.stringify(applied) : applied.length ? formatTable(['TAG', 'RULE'], applied.map((a) => [a.tag, a.rule])) : 'No Outpost translation rules on this machine.');
        return;
      }
      const input = { ...spec, backend: format };
      const result = o.apply ? await context.call('helpers.translate.apply', input) : await context.call('helpers.translate.remove', input);
      out.write(out.json ? JSON.stringify({ tag: t.tag, changed: result.changed }) : `${o.apply ? 'Applied' : 'Removed'} ${t.tag}${result.changed ? '' : ' (nothing to do)'}.`);
    });

  program
    .command('hosts-entries')
    .description('Generate /etc/hosts entries for named services (pasted list or file), optionally mapped to public addresses')
    .requiredOption('--from <file>', 'list of "IP name [aliases]" lines ("-" for standard input)')
    .option('--map-subnet <cidr>', 'rewrite addresses in this private prefix ...')
    .option('--to-prefix <cidr>', '... to the same offsets in this public prefix')
    .option('--apply <hostsfile>', "write them into this hosts file's Outpost block (created or replaced; the rest is kept)")
    .action((o: { from: string; mapSubnet?: string; toPrefix?: string; apply?: string }) => {
      if ((o.mapSubnet === undefined) !== (o.toPrefix === undefined)) throw new OutpostError('VALIDATION', '--map-subnet and --to-prefix go together.');
      let text: string;
      try {
        text = readFileSync(o.from === '-' ? 0 : o.from, 'utf8');
      } catch (err) {
        throw new OutpostError('VALIDATION', `Cannot read ${o.from}: ${(err as Error).message}`);
      }
      let entries = parseHostList(text);
      if (o.mapSubnet && o.toPrefix) entries = mapEntries(entries, o.mapSubnet, o.toPrefix);
      const out = context.out;
      if (!o.apply) {
        out.write(out.json ? JSON.stringify(entries) : renderHostsBlock(entries));
        return;
      }
      writeHostsEntries(o.apply, entries);
      out.write(out.json ? JSON.stringify({ file: o.apply, entries: entries.length }) : `Wrote ${entries.length} entries into ${o.apply}.`);
    });

  const hosts = program.command('hosts').description("Hosts entries for inventory VMs in a node's /etc/hosts over SSH (Outpost's marked block only)");
  hostsCommand(hosts, 'preview', 'Show the unified diff pushing the entries would make; nothing is written').action(async (o: HostsPushOptions) => {
    const plan = await context.call('helpers.hosts.preview', hostsInput(o));
    const out = context.out;
    out.write(out.json ? JSON.stringify(plan) : plan.changed ? plan.diff : `${plan.path} on ${plan.host} already has these ${plan.entries.length} entries; nothing to change.`);
  });
  hostsCommand(hosts, 'push', 'Write the entries into the node\'s hosts file: atomic, idempotent, audited; prints the diff applied')
    .option('--expect-sha256 <hex>', 'refuse if the file is no longer the one a preview showed (its baseSha256)')
    .action(async (o: HostsPushOptions & { expectSha256?: string }) => {
      const plan = await context.call('helpers.hosts.push', { ...hostsInput(o), ...(o.expectSha256 !== undefined ? { expectSha256: o.expectSha256 } : {}) });
      const out = context.out;
      out.write(out.json ? JSON.stringify(plan) : plan.changed ? `${plan.diff}Wrote ${plan.entries.length} entries into ${plan.path} on ${plan.host}.` : `${plan.path} on ${plan.host} already has these ${plan.entries.length} entries; nothing changed.`);
    });

  program
    .command('preflight')
    .description('Check TCP reachability of HOST:PORT pairs concurrently (open / refused / timeout, latency)')
    .argument('[targets...]', 'HOST:PORT ...')
    .option('--preset <name>', `add a port set for --host: ${Object.keys(presets).join(', ')}`)
    .option('--host <host>', 'host for --preset')
    .option('--timeout <ms>', 'per-connection timeout', positiveInt('--timeout', 120_000), 3000)
    .option('--concurrency <n>', 'parallel checks', positiveInt('--concurrency', 256), 32)
    .action(async (args: string[], o: { preset?: string; host?: string; timeout: number; concurrency: number }) => {
      const targets: PortTarget[] = args.map(parseTarget);
      if (o.preset !== undefined || o.host !== undefined) {
        const ports = o.preset ? presets[o.preset] : undefined;
        if (!ports || !o.host) throw new OutpostError('VALIDATION', `--preset (${Object.keys(presets).join(', ')}) and --host go together.`);
        targets.push(...ports.map((port) => ({ host: o.host!, port })));
      }
      if (targets.length === 0) throw new OutpostError('VALIDATION', 'Give HOST:PORT targets, or --preset with --host.');
      const results = await preflight(targets, { timeoutMs: o.timeout, concurrency: o.concurrency });
      const out = context.out;
      out.write(
        out.json
          ? JSON.stringify(results)
          : formatTable(['HOST', 'PORT', 'STATUS', 'MS', 'DETAIL'], results.map((r) => [r.host, String(r.port), r.status, String(r.latencyMs), r.detail ?? ''])),
      );
      if (results.some((r) => r.status !== 'open')) process.exitCode = 1;
    });
}
