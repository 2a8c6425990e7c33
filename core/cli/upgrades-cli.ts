import { InvalidArgumentError, Option, type Command } from 'commander';
import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { OutpostError } from '../contract/errors.js';
import { parseHostPort } from '../contract/fanout.js';
import type { PlanPreview, PlaybookRun, UpgradePlanDetail } from '../contract/upgrades.js';
import { formatTable } from './output.js';
import { planPxeBundle, writePxeBundle } from '../upgrades/pxe-artefacts.js';
import { positiveInt, type CliContext } from './cli-context.js';

/** One host[:port] per line; '#' starts a comment. Bad lines are one error naming them, before anything runs. */
function readHostsFile(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new OutpostError('VALIDATION', `Cannot read ${file}: ${(err as Error).message}`);
  }
  const hosts: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) return;
    if (!parseHostPort(line)) throw new OutpostError('VALIDATION', `${file} line ${i + 1}: "${line}" is not host, host:port or [IPv6]:port.`);
    hosts.push(line);
  });
  if (hosts.length === 0) throw new OutpostError('VALIDATION', `${file} lists no hosts.`);
  return hosts;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];
const number = (name: string) => (value: string): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${name} must be a number of at least 0.`);
  return n;
};

interface PlanFlags {
  site: string;
  cluster?: string;
  host: string[];
  targetBuild: string;
  targetVersion?: string;
  dryRun?: boolean;
  optionsFile?: string;
  sshCredential?: string;
  sshUser?: string;
  sshPort?: number;
  hostSsh: string[];
  backupCommand?: string;
  backupArtefact?: string;
  backupTo?: string;
  backupToCredential?: string;
  reinstall: string;
  isoDir?: string;
  out?: string;
  httpBase?: string;
  tftpServer?: string;
  hostMac: string[];
  playbook?: string;
  configCommand: string[];
  soakMinutes?: number;
  reconnectPoll?: number;
  probeInterval?: number;
  logPath?: string;
  errorPattern: string[];
}

/** Plan options from flags, over an --options-file (JSON: { options, hostSettings }) when given. */
function planInput(o: PlanFlags): Record<string, unknown> {
  const file = o.optionsFile ? (JSON.parse(readFileSync(resolve(o.optionsFile), 'utf8')) as { options?: Record<string, unknown>; hostSettings?: Record<string, unknown>[] }) : {};
  const options: Record<string, unknown> = { ...(file.options ?? {}) };
  if (o.sshCredential) options.ssh = { ...((options.ssh as object) ?? {}), credential: o.sshCredential, ...(o.sshUser ? { user: o.sshUser } : {}), ...(o.sshPort ? { port: o.sshPort } : {}) };
  if (o.backupCommand || o.backupArtefact) options.backup = { command: o.backupCommand, artefactPath: o.backupArtefact && resolve(o.backupArtefact) };
  if (o.backupTo || o.backupToCredential) {
    // [user@]host[:port]:/path, as scp writes it (a port is the digits before the path's colon).
    const m = o.backupTo ? /^(?:([^@:/\s]+)@)?([^:@/\s[\]]+|\[[^\]]+\])(?::(\d+))?:(\/.*)$/.exec(o.backupTo) : null;
    if (!m) throw new OutpostError('VALIDATION', `--backup-to takes [USER@]HOST[:PORT]:/ABSOLUTE/PATH${o.backupTo ? `, not "${o.backupTo}"` : ''}.`);
    if (!o.backupToCredential) throw new OutpostError('VALIDATION', '--backup-to needs --backup-to-credential (a saved SSH credential for that server).');
    if (!options.backup) throw new OutpostError('VALIDATION', '--backup-to needs --backup-command and --backup-artefact.');
    options.backup = { ...(options.backup as object), copyTo: { host: m[2]!.replace(/^\[|\]$/g, ''), ...(m[3] ? { port: Number(m[3]) } : {}), ...(m[1] ? { user: m[1] } : {}), credential: o.backupToCredential, path: m[4] } };
  }
  if (o.reinstall === 'pxe') options.reinstall = { mode: 'pxe', isoDir: o.isoDir && resolve(o.isoDir), outDir: o.out && resolve(o.out), httpBase: o.httpBase, tftpServer: o.tftpServer };
  else if (o.reinstall === 'manual') options.reinstall = options.reinstall ?? { mode: 'manual' };
  else throw new OutpostError('VALIDATION', '--reinstall is pxe or manual.');
  if (o.playbook || o.configCommand.length) options.configure = { ...(o.playbook ? { playbook: resolve(o.playbook) } : {}), commands: o.configCommand };
  if (o.soakMinutes !== undefined) options.soakMinutes = o.soakMinutes;
  if (o.reconnectPoll !== undefined) options.reconnectPollSeconds = o.reconnectPoll;
  if (o.probeInterval !== undefined) options.probeIntervalSeconds = o.probeInterval;
  if (o.logPath) options.logScan = { path: o.logPath, errorPatterns: o.errorPattern };
  const settings = new Map<string, Record<string, unknown>>((file.hostSettings ?? []).map((h) => [String(h.name), { ...h }]));
  const setting = (name: string): Record<string, unknown> => settings.get(name) ?? (settings.set(name, { name }), settings.get(name)!);
  for (const spec of o.hostSsh) {
    const m = /^([^=]+)=([^:]+|\[[^\]]+\])(?::(\d+))?$/.exec(spec);
    if (!m) throw new OutpostError('VALIDATION', `--host-ssh takes NAME=ADDRESS[:PORT], not "${spec}".`);
    Object.assign(setting(m[1]!), { sshAddress: m[2]!.replace(/^\[|\]$/g, ''), ...(m[3] ? { sshPort: Number(m[3]) } : {}) });
  }
  for (const spec of o.hostMac) {
    const m = /^([^=]+)=(.+)$/.exec(spec);
    if (!m) throw new OutpostError('VALIDATION', `--host-mac takes NAME=MAC, not "${spec}".`);
    setting(m[1]!).mac = m[2];
  }
  return {
    site: o.site,
    ...(o.cluster ? { cluster: o.cluster } : {}),
    ...(o.host.length ? { hosts: o.host } : {}),
    targetBuild: o.targetBuild,
    ...(o.targetVersion ? { targetVersion: o.targetVersion } : {}),
    options,
    hostSettings: [...settings.values()],
  };
}

function printPreview(context: CliContext, p: PlanPreview): void {
  const out = context.out;
  out.write(`Target build ${p.targetBuild}${p.targetVersion ? ` (${p.targetVersion})` : ''} in ${p.site}${p.cluster ? `/${p.cluster}` : ''}: one host at a time.`);
  out.write(
    formatTable(
      ['#', 'HOST', 'BUILD', 'STATE', 'VMS', 'VM MEMORY'],
      p.hosts
        .slice()
        .sort((a, b) => (p.order.indexOf(a.name) + 1 || 999) - (p.order.indexOf(b.name) + 1 || 999))
        .map((h) => [p.order.includes(h.name) ? String(p.order.indexOf(h.name) + 1) : '-', h.name, h.build ?? '?', p.upToDate.includes(h.name) ? 'at target' : (p.blocked.find((b) => b.name === h.name)?.reason ?? h.connectionState), String(h.vmCount), `${h.vmMemoryMB} MB`]),
    ),
  );
  for (const [cluster, n] of Object.entries(p.maxParallel)) out.write(`Cluster ${cluster} can lose ${n} host(s) at once and keep its running VMs.`);
}

function printPlan(context: CliContext, d: UpgradePlanDetail): void {
  const out = context.out;
  out.write(`Plan ${d.id}: ${d.state}${d.reason ? ` (${d.reason})` : ''}; ${d.hostsDone}/${d.hostsTotal} hosts at ${d.targetBuild}`);
  out.write(
    formatTable(
      ['#', 'HOST', 'STATE', 'STEP', 'SOAK', 'ERROR'],
      d.hosts.map((h) => {
        const step = h.steps.find((s) => s.state === 'running' || s.state === 'waiting' || s.state === 'failed' || s.state === 'undoing');
        const soak = h.soak ? `${h.soak.rounds} rounds; ${h.soak.latest.map((p) => `${p.probe} ${p.ok ? 'ok' : 'RED'}`).join(', ')}` : '';
        return [String(h.position + 1), h.name, h.state, step ? `${step.name} (${step.state})` : '', soak, h.error ? `${h.error.code}: ${h.error.message}` : ''];
      }),
    ),
  );
  for (const h of d.hosts) {
    const gate = h.steps.find((s) => s.gatePrompt);
    if (gate) out.write(`${h.name} waits: ${gate.gatePrompt}\n  approve with: outpost procedures approve ${h.procedureId}\n  then continue: outpost upgrade run ${d.id}`);
  }
}

export function registerUpgradeCommands(program: Command, context: CliContext): void {
  const upgrade = program.command('upgrade').description('Rolling host upgrades: plan, run, watch (one host at a time, durable)');
  upgrade
    .command('plan')
    .description('Preview a rolling upgrade and save it as a plan (print its PLAN_ID); --dry-run only previews')
    .requiredOption('--site <site>', 'site name')
    .option('--cluster <cluster>', 'the cluster to upgrade')
    .option('--host <name>', 'a host to upgrade (repeat; with --cluster: only these of it)', collect, [])
    .requiredOption('--target-build <build>', 'the build every host should run')
    .option('--target-version <version>', 'the version too (e.g. 8.0.3)')
    .option('--dry-run', 'preview only, save nothing')
    .option('--options-file <file>', 'JSON {options, hostSettings} as upgrade.create takes them; flags override')
    .option('--ssh-credential <name>', 'saved credential for the hosts’ SSH (backup, configuration, probes)')
    .option('--ssh-user <user>', 'SSH user (default: the credential’s)')
    .option('--ssh-port <port>', 'SSH port', number('--ssh-port'))
    .option('--host-ssh <name=address[:port]>', 'where SSH reaches a host (repeat)', collect, [])
    .option('--backup-command <command>', 'backup command run on the host before maintenance mode')
    .option('--backup-artefact <path>', 'the file the backup command leaves (its sha256 is recorded)')
    .option('--backup-to <[user@]host[:port]:/path>', 'copy each backup to this SSH server (SHA-256 checked there) before the reinstall; default: this workstation’s data folder')
    .option('--backup-to-credential <name>', 'saved credential for --backup-to')
    .option('--reinstall <mode>', 'pxe (write boot artefacts) or manual (boot the ISO by hand)', 'manual')
    .option('--iso-dir <dir>', 'pxe: extracted installer ISO')
    .option('--out <dir>', 'pxe: folder for the boot server files')
    .option('--http-base <url>', 'pxe: where the boot server serves the http/ folder')
    .option('--tftp-server <ip>', 'pxe: TFTP server address')
    .option('--host-mac <name=mac>', 'pxe: a host’s boot NIC MAC (repeat)', collect, [])
    .option('--playbook <file>', 'Ansible playbook re-run with the exported inventory (when ansible-playbook is installed)')
    .option('--config-command <command>', 'configuration command over SSH when Ansible is not used (repeat)', collect, [])
    .option('--reconnect-poll <seconds>', 'seconds between asking vCenter whether the reinstalled host is back (default 15)', number('--reconnect-poll'))
    .option('--soak-minutes <n>', 'soak length (default 30)', number('--soak-minutes'))
    .option('--probe-interval <seconds>', 'seconds between probe rounds (default 60)', number('--probe-interval'))
    .option('--log-path <path>', 'log on the host scanned during the soak')
    .option('--error-pattern <regex>', 'error pattern for the log scan (repeat)', collect, [])
    .action(async (o: PlanFlags) => {
      const input = planInput(o);
      const selection = { site: o.site, ...(o.cluster ? { cluster: o.cluster } : {}), ...(o.host.length ? { hosts: o.host } : {}), targetBuild: o.targetBuild, ...(o.targetVersion ? { targetVersion: o.targetVersion } : {}) };
      if (o.dryRun || !(input.options as { ssh?: unknown }).ssh) {
        const preview = await context.call('upgrade.plan', selection);
        if (context.out.json) context.out.write(JSON.stringify(preview));
        else {
          printPreview(context, preview);
          if (!o.dryRun) context.out.write('Not saved: give --ssh-credential (or --options-file) to save it as a plan.');
        }
        return;
      }
      const plan = await context.call('upgrade.create', input as Parameters<typeof context.call<'upgrade.create'>>[1]);
      if (context.out.json) context.out.write(JSON.stringify(plan));
      else {
        printPlan(context, plan);
        context.out.write(`Run it with: outpost upgrade run ${plan.id}`);
      }
    });

  upgrade
    .command('run')
    .description('Run (or continue) a plan in this process until it ends, fails, pauses or waits for the operator')
    .argument('<plan-id>', 'plan id')
    .action(async (planId: string) => {
      const core = await context.open();
      await core.services.engine.resumeAll(); // a run a killed process left behind continues here
      await context.call('upgrade.run', { planId });
      const detail = await core.services.upgrades.whenSettled(planId);
      if (context.out.json) context.out.write(JSON.stringify(detail));
      else printPlan(context, detail);
      // Like a procedure: 0 done (or paused), 3 waiting for the operator at a gate, 1 failed or aborted.
      const waiting = detail.hosts.some((h) => h.steps.some((s) => s.gatePrompt));
      process.exitCode = detail.state === 'failed' || detail.state === 'aborted' ? 1 : waiting ? 3 : 0;
    });

  upgrade
    .command('status')
    .description('A plan: one row per host with its current step, soak probes and errors')
    .argument('<plan-id>', 'plan id')
    .action(async (planId: string) => {
      const detail = await context.call('upgrade.status', { planId });
      if (context.out.json) context.out.write(JSON.stringify(detail));
      else printPlan(context, detail);
    });

  upgrade
    .command('list')
    .description('Upgrade plans, newest first')
    .option('--site <site>', 'only this site')
    .action(async (o: { site?: string }) => {
      const rows = await context.call('upgrade.list', o.site ? { site: o.site } : {});
      if (context.out.json) context.out.write(JSON.stringify(rows));
      else if (rows.length === 0) context.out.write('No upgrade plans.');
      else context.out.write(formatTable(['ID', 'SITE', 'CLUSTER', 'TARGET', 'STATE', 'DONE'], rows.map((r) => [r.id, r.site, r.cluster ?? '-', r.targetBuild, r.state, `${r.hostsDone}/${r.hostsTotal}`])));
    });

  for (const [name, description] of [
    ['pause', 'Pause a plan: the current host finishes, the next does not start'],
    ['resume', 'Resume a paused plan, or retry the failed host of a failed one'],
    ['abort', 'Abort a plan: cancel the current host’s run (it leaves maintenance mode if it can)'],
  ] as const) {
    upgrade
      .command(name)
      .description(description)
      .argument('<plan-id>', 'plan id')
      .action(async (planId: string) => {
        const detail = await context.call(`upgrade.${name}`, { planId });
        if (context.out.json) context.out.write(JSON.stringify(detail));
        else printPlan(context, detail);
      });
  }

  upgrade
    .command('hosts')
    .description('Hosts with their actual and desired build (behind target flagged)')
    .option('--site <site>', 'only this site')
    .option('--behind', 'only hosts behind their desired build')
    .action(async (o: { site?: string; behind?: boolean }) => {
      const rows = await context.call('upgrade.hosts', { ...(o.site ? { site: o.site } : {}), behindOnly: Boolean(o.behind) });
      if (context.out.json) context.out.write(JSON.stringify(rows));
      else context.out.write(formatTable(['SITE', 'CLUSTER', 'HOST', 'BUILD', 'DESIRED', ''], rows.map((r) => [r.site, r.cluster ?? '-', r.name, r.build ?? '?', r.desiredBuild ?? '-', r.behind ? 'BEHIND' : ''])));
    });

  upgrade
    .command('backups')
    .description('Where each upgraded host’s backup is: on the host, and the verified copy off it (path or SSH target, size, SHA-256, when)')
    .option('--plan <plan-id>', 'only this plan')
    .option('--site <site>', 'only this site')
    .action(async (o: { plan?: string; site?: string }) => {
      const rows = await context.call('upgrade.backups', { ...(o.plan ? { planId: o.plan } : {}), ...(o.site ? { site: o.site } : {}) });
      if (context.out.json) context.out.write(JSON.stringify(rows));
      else if (rows.length === 0) context.out.write('No backups yet (a plan with a backup command records them as its hosts run).');
      else
        context.out.write(
          formatTable(
            ['PLAN', 'HOST', 'COPY', 'WHERE', 'BYTES', 'SHA256', 'VERIFIED'],
            rows.map((r) => [r.planId.slice(0, 8), r.host, r.offHost.state === 'failed' ? `FAILED (${r.offHost.error?.code ?? '?'})` : r.offHost.state, r.offHost.location, String(r.bytes), r.sha256, r.offHost.verifiedAt ?? '-']),
          ),
        );
    });

  program
    .command('ansible-inventory')
    .description('The inventory (sites, clusters, hosts, enrolled VMs) as an Ansible inventory file, on stdout')
    .option('--site <site>', 'only this site')
    .option('--format <format>', 'ini or yaml', 'ini')
    .action(async (o: { site?: string; format: string }) => {
      if (o.format !== 'ini' && o.format !== 'yaml') throw new OutpostError('VALIDATION', '--format is ini or yaml.');
      const r = await context.call('ansibleInventory.export', { ...(o.site ? { site: o.site } : {}), format: o.format });
      if (context.out.json) context.out.write(JSON.stringify(r));
      else process.stdout.write(r.text);
    });

  const playbook = program.command('playbook').description('Ansible playbooks against inventory VMs or hosts');
  playbook
    .command('run')
    .description('Run a playbook against picked VMs (guest IP) and/or hosts with one key credential: pinned host keys, the key only in a private ssh-agent; live output, then one line per host; exit 0 only if every host is ok')
    .requiredOption('--playbook <file>', 'playbook (.yml) on this machine')
    .requiredOption('--credential <name>', 'private-key credential profile (its user, unless --user)')
    .option('--user <user>', 'remote user')
    .option('--site <site>', 'the vCenter the --vm names are in')
    .option('--vm <name>', 'an inventory VM (repeat)', collect, [])
    .option('--port <port>', 'SSH port of the --vm guests', positiveInt('--port', 65535), 22)
    .addOption(new Option('--address <kind>', "--vm guests by their guest IP (private) or the NAT'd public IP the CMDB holds for enrolled VMs (public)").choices(['private', 'public']).default('private'))
    .option('--hosts-file <file>', 'one host[:port] per line (# comments)')
    .action(async (o: { playbook: string; credential: string; user?: string; site?: string; vm: string[]; port: number; address: 'private' | 'public'; hostsFile?: string }) => {
      if (o.vm.length > 0 && !o.site) throw new OutpostError('VALIDATION', '--vm needs --site (the vCenter the VMs are in).');
      if (o.vm.length === 0 && !o.hostsFile) throw new OutpostError('VALIDATION', 'Give --site S --vm NAME (repeat --vm), or --hosts-file F.');
      const hosts = o.hostsFile ? readHostsFile(o.hostsFile) : [];
      const out = context.out;
      // Listen before starting: lines may come before the call returns the run's id (one run per CLI process).
      let finished: ((run: PlaybookRun) => void) | null = null;
      const done = new Promise<PlaybookRun>((res) => (finished = res));
      const stop = (await context.open()).onEvent((event, payload) => {
        if (event === 'playbook.output' && !out.json) process.stdout.write(`${(payload as { line: string }).line}\n`);
        if (event === 'playbook.done') finished?.(payload as PlaybookRun);
      });
      try {
        await context.call('playbook.run', {
          playbook: resolve(o.playbook),
          hosts,
          vms: o.vm.map((vm) => ({ site: o.site!, vm, port: o.port })),
          address: o.address,
          credential: o.credential,
          ...(o.user !== undefined ? { user: o.user } : {}),
        });
        const run = await done;
        const bad = run.hosts.filter((h) => h.status !== 'ok' && h.status !== 'changed');
        if (out.json) out.write(JSON.stringify(run));
        else {
          out.write(formatTable(['HOST', 'TARGET', 'RESULT', 'OK', 'CHANGED', 'FAILED', 'UNREACHABLE'], run.hosts.map((h) => [h.name, h.target, h.status.toUpperCase(), String(h.ok), String(h.changed), String(h.failed), String(h.unreachable)])));
          out.write(run.error ? `Run ${run.state}: ${run.error}` : `${run.hosts.length - bad.length}/${run.hosts.length} hosts ok${bad.length ? `; failed: ${bad.map((h) => h.target).join(', ')}` : ''}.`);
        }
        if (run.state !== 'done' || bad.length > 0) process.exitCode = 1;
      } finally {
        stop();
      }
    });

  const pxe = program.command('pxe').description('Air-gapped reinstall artefacts (DHCP entries, iPXE script, TFTP/HTTP tree)');
  pxe
    .command('render')
    .description('Write the boot files for one host from an extracted installer ISO; nothing is downloaded')
    .requiredOption('--host <name>', 'host name (DHCP entry and script name)')
    .requiredOption('--mac <mac>', "the host's boot NIC MAC address")
    .option('--ip <ip>', 'fixed address for the host')
    .requiredOption('--iso-dir <dir>', 'extracted (or mounted) installer ISO')
    .requiredOption('--out <dir>', 'output folder to copy to the boot server')
    .requiredOption('--http-base <url>', 'where the boot server will serve the http/ folder, e.g. http://10.0.0.2/outpost')
    .requiredOption('--tftp-server <ip>', 'TFTP server address (next-server)')
    .option('--label <name>', 'release name in the served tree (default: the ISO folder name)')
    .option('--kernel-args <args>', 'kernel command line for Linux installers')
    .option('--kickstart <url>', 'kickstart/answer file URL')
    .action((o: { host: string; mac: string; ip?: string; isoDir: string; out: string; httpBase: string; tftpServer: string; label?: string; kernelArgs?: string; kickstart?: string }) => {
      const isoDir = resolve(o.isoDir);
      const bundle = planPxeBundle({
        host: { name: o.host, mac: o.mac, ...(o.ip ? { ip: o.ip } : {}) },
        isoDir,
        label: o.label ?? basename(isoDir).toLowerCase().replace(/[^a-z0-9.-]+/g, '-'),
        httpBase: o.httpBase,
        tftpServer: o.tftpServer,
        ...(o.kernelArgs ? { kernelArgs: o.kernelArgs } : {}),
        ...(o.kickstart ? { kickstartUrl: o.kickstart } : {}),
      });
      const written = writePxeBundle(bundle, resolve(o.out));
      const out = context.out;
      if (out.json) out.write(JSON.stringify({ out: resolve(o.out), layout: bundle.layout, files: written, missing: bundle.missing }));
      else {
        out.write(`Wrote ${written.length} files to ${resolve(o.out)} (${bundle.layout.kind === 'esxi' ? 'ESXi' : bundle.layout.flavour}); see README.txt there.`);
        for (const m of bundle.missing) out.write(`still needed: ${m}`);
      }
    });
}
