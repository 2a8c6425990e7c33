import type { Command } from 'commander';
import type { CommandInput } from '../contract/commands.js';
import type { CliContext } from './cli-context.js';
import { formatTable } from './output.js';
import { driveAndReport } from './procedures-cli.js';
import type { FirewallConnection } from '../contract/nat.js';
import { parseHostSpec } from '../ssh/ssh-config-file.js';
import { UsageError } from './cli-error.js';
import { registerFirewallPolicyCommands } from './firewall-policy-cli.js';

function connectionLabel(c: FirewallConnection): string {
  switch (c.type) {
    case 'local':
      return c.netns ? `netns ${c.netns}` : 'local';
    case 'ssh':
      return `ssh ${c.user}@${c.host}:${c.port}`;
    case 'none':
      return 'none';
  }
}

export function registerNatCommands(program: Command, context: CliContext): void {
  const firewall = program.command('firewall').description('Firewalls Outpost drives (or instructs, for manual ones)');
  firewall
    .command('add')
    .description('Add a firewall: reached over SSH (--ssh, --credential, --host-key), local/namespace, or manual.')
    .requiredOption('--name <name>', 'firewall name')
    .requiredOption('--driver <driver>', 'linux-iptables, linux-nft or manual')
    .option('--netns <name>', 'run its commands inside this network namespace on this machine')
    .option('--local', 'run its commands on this machine (Outpost runs on the firewall)')
    .option('--ssh <user@host[:port]>', 'run its commands over SSH')
    .option('--credential <name>', 'SSH: credential profile (outpost credential add)')
    .option('--host-key <SHA256:...>', 'SSH: the firewall host key fingerprint, pinned (ssh-keygen -lf on the firewall)')
    .option('--public-interface <if>', 'interface that carries the public addresses (they are added to it)')
    .option('--syntax <syntax>', 'manual driver: write instructions as iptables, nft or generic (change request)')
    .action(async (o: { name: string; driver: string; netns?: string; local?: boolean; ssh?: string; credential?: string; hostKey?: string; publicInterface?: string; syntax?: string }) => {
      let connection: CommandInput<'firewalls.add'>['connection'];
      if (o.ssh) {
        if (!o.credential || !o.hostKey) throw new UsageError('--ssh needs --credential and --host-key.');
        let spec;
        try {
          spec = parseHostSpec(o.ssh);
        } catch (err) {
          throw new UsageError(`--ssh: ${(err as Error).message}.`);
        }
        if (!spec.user) throw new UsageError('--ssh needs a user: user@host[:port].');
        connection = { type: 'ssh', host: spec.host, port: spec.port, user: spec.user, credential: o.credential, hostKey: o.hostKey };
      } else connection = o.netns ? { type: 'local' as const, netns: o.netns } : o.local ? { type: 'local' as const } : { type: 'none' as const };
      const created = await context.call('firewalls.add', {
        name: o.name,
        driver: o.driver,
        connection,
        settings: { ...(o.publicInterface ? { publicInterface: o.publicInterface } : {}), ...(o.syntax ? { manualSyntax: o.syntax } : {}) },
      } as CommandInput<'firewalls.add'>);
      const out = context.out;
      out.write(out.json ? JSON.stringify(created) : `Firewall ${created.name} (${created.driver}) added.`);
    });
  firewall
    .command('list')
    .description('Firewalls')
    .action(async () => {
      const rows = await context.call('firewalls.list', {});
      const out = context.out;
      if (out.json) out.write(JSON.stringify(rows));
      else if (rows.length === 0) out.write('No firewalls. Add one: outpost firewall add --name F --driver manual');
      else
        out.write(
          formatTable(
            ['NAME', 'DRIVER', 'CONNECTION', 'PUBLIC IF'],
            rows.map((f) => [f.name, f.driver, connectionLabel(f.connection), f.settings.publicInterface ?? '-']),
          ),
        );
    });

  const nat = program.command('nat').description('1:1 NAT between public and private addresses, port forwards, client allow-lists and drift');
  registerFirewallPolicyCommands(nat, context);
  nat
    .command('add')
    .description('Add a NAT (runs the nat.add procedure here): give --public, or --pool to allocate one')
    .requiredOption('--firewall <name>', 'firewall')
    .requiredOption('--private <ip>', 'private address (the VM)')
    .option('--public <ip>', 'public address')
    .option('--pool <name>', 'allocate the public address from this pool')
    .option('--vm <label>', 'VM this NAT serves')
    .action(async (o: { firewall: string; private: string; public?: string; pool?: string; vm?: string }) => {
      const { procedureId } = await context.call('nat.add', {
        firewall: o.firewall,
        privateIp: o.private,
        ...(o.public ? { publicIp: o.public } : {}),
        ...(o.pool ? { pool: o.pool } : {}),
        ...(o.vm ? { vm: o.vm } : {}),
      });
      process.exitCode = await driveAndReport(context, procedureId);
    });
  nat
    .command('remove')
    .description('Remove a NAT (runs the nat.remove procedure here)')
    .requiredOption('--public <ip>', 'public address of the NAT')
    .action(async (o: { public: string }) => {
      const { procedureId } = await context.call('nat.remove', { publicIp: o.public });
      process.exitCode = await driveAndReport(context, procedureId);
    });
  nat
    .command('list')
    .description('NAT records; --verify reads every firewall and reports drift')
    .option('--verify', 'compare with what each firewall has now')
    .option('--all', 'include removed records')
    .action(async (o: { verify?: boolean; all?: boolean }) => {
      const list = await context.call('nat.list', { verify: Boolean(o.verify), includeRemoved: Boolean(o.all) });
      const out = context.out;
      if (out.json) {
        out.write(JSON.stringify(list));
      } else {
        out.write(
          list.records.length === 0
            ? 'No NAT records.'
            : formatTable(['ID', 'PUBLIC', 'PRIVATE', 'FIREWALL', 'VM', 'STATE', 'DRIFT'], list.records.map((r) => [String(r.id), r.publicIp, r.privateIp, r.firewall, r.vm ?? '-', r.state, r.drift])),
        );
        for (const o2 of list.orphans) out.write(`orphan on ${o2.firewall}: rules of record ${o2.recordId} (${o2.publicIp ?? '?'} -> ${o2.privateIp ?? '?'}) with no live record`);
        for (const u of list.unreachable) out.write(`unreachable: ${u.firewall}: ${u.code} ${u.message}`);
      }
      const drifted = list.records.some((r) => r.drift === 'missing' || r.drift === 'different') || list.orphans.length > 0;
      if (o.verify && (drifted || list.unreachable.length > 0)) process.exitCode = 1;
    });
}
