import type { Command } from 'commander';
import type { CliContext } from './cli-context.js';
import type { DriftStatus } from '../contract/firewall-policy.js';
import { formatTable } from './output.js';
import { driveAndReport } from './procedures-cli.js';
import { UsageError } from './cli-error.js';

/** "203.0.113.5:8080" -> address and port; the contract checks both. */
function hostPort(flag: string, text: string): { ip: string; port: number } {
  const m = /^([^:]+):(\d{1,5})$/.exec(text.trim());
  if (!m) throw new UsageError(`${flag} takes IP:PORT (e.g. 203.0.113.5:2222), not "${text}".`);
  return { ip: m[1]!, port: Number(m[2]) };
}

function port(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,6}$/.test(text)) throw new UsageError(`--port takes a number 1-65535, not "${text}".`);
  return Number(text);
}

function proto(text: string | undefined): 'tcp' | 'udp' | undefined {
  if (text === undefined) return undefined;
  if (text !== 'tcp' && text !== 'udp') throw new UsageError(`--proto is tcp or udp, not "${text}".`);
  return text;
}

function printDrift(context: CliContext, s: DriftStatus): void {
  const out = context.out;
  out.write(`${s.firewall}: ${s.state}${s.checkedAt ? ` (checked ${s.checkedAt})` : ''}`);
  if (s.error) out.write(`  ${s.error.code}: ${s.error.message}`);
  for (const i of s.items) out.write(`  ${i.kind.padEnd(8)} ${i.tag}  ${i.detail}`);
}

const ALLOW_HELP =
  'A NAT with no allow-list is open to every source (as before). Once it has one entry, only the listed sources reach ' +
  'its private address through it. Without --public the entry is for the whole firewall: every public address it serves.';

/** Allow-lists, port forwards and drift: subcommands of `outpost nat`. */
export function registerFirewallPolicyCommands(nat: Command, context: CliContext): void {
  const allowOptions = (c: Command) =>
    c
      .requiredOption('--firewall <name>', 'firewall')
      .option('--public <ip>', "the NAT's (or forward's) public address; omit for the whole firewall")
      .requiredOption('--source <cidr>', 'client source: an IPv4 address or CIDR (198.51.100.0/24)')
      .option('--port <port>', 'only this port (the public port clients connect to)')
      .option('--proto <proto>', 'tcp or udp (tcp when --port is given)');
  type AllowOptions = { firewall: string; public?: string; source: string; port?: string; proto?: string };
  const allowInput = (o: AllowOptions) => {
    const p = port(o.port);
    const pr = proto(o.proto);
    return { firewall: o.firewall, source: o.source, ...(o.public ? { publicIp: o.public } : {}), ...(p !== undefined ? { port: p } : {}), ...(pr ? { proto: pr } : {}) };
  };
  allowOptions(nat.command('allow').description(`Let a client source reach a NAT (runs nat.allow here). ${ALLOW_HELP}`)).action(async (o: AllowOptions) => {
    const { procedureId } = await context.call('nat.allow', allowInput(o));
    process.exitCode = await driveAndReport(context, procedureId);
  });
  allowOptions(nat.command('disallow').description('Remove an allow-list entry (runs nat.disallow here); the last one removed opens the NAT to every source again')).action(
    async (o: AllowOptions) => {
      const { procedureId } = await context.call('nat.disallow', allowInput(o));
      process.exitCode = await driveAndReport(context, procedureId);
    },
  );

  nat
    .command('forward')
    .description('Forward a public IP:port to a private IP:port (runs nat.forward here). The public address must be on the firewall (e.g. its own) and not a 1:1 NAT.')
    .requiredOption('--firewall <name>', 'firewall')
    .requiredOption('--public <ip:port>', 'public address and port')
    .requiredOption('--private <ip:port>', 'private address and port')
    .option('--proto <proto>', 'tcp (default) or udp')
    .action(async (o: { firewall: string; public: string; private: string; proto?: string }) => {
      const pub = hostPort('--public', o.public);
      const priv = hostPort('--private', o.private);
      const pr = proto(o.proto);
      const { procedureId } = await context.call('nat.forward', {
        firewall: o.firewall,
        publicIp: pub.ip,
        publicPort: pub.port,
        privateIp: priv.ip,
        privatePort: priv.port,
        ...(pr ? { proto: pr } : {}),
      });
      process.exitCode = await driveAndReport(context, procedureId);
    });
  nat
    .command('unforward')
    .description('Remove a port forward (runs nat.unforward here)')
    .requiredOption('--firewall <name>', 'firewall')
    .requiredOption('--public <ip:port>', 'public address and port of the forward')
    .option('--proto <proto>', 'tcp (default) or udp')
    .action(async (o: { firewall: string; public: string; proto?: string }) => {
      const pub = hostPort('--public', o.public);
      const pr = proto(o.proto);
      const { procedureId } = await context.call('nat.unforward', { firewall: o.firewall, publicIp: pub.ip, publicPort: pub.port, ...(pr ? { proto: pr } : {}) });
      process.exitCode = await driveAndReport(context, procedureId);
    });

  nat
    .command('policy')
    .description('Allow-lists, port forwards and the last drift check of each firewall')
    .option('--firewall <name>', 'only this firewall')
    .action(async (o: { firewall?: string }) => {
      const p = await context.call('nat.policy', o.firewall ? { firewall: o.firewall } : {});
      const out = context.out;
      if (out.json) {
        out.write(JSON.stringify(p));
        return;
      }
      out.write(
        p.allows.length === 0
          ? 'No allow-lists: every NAT is open to every source.'
          : formatTable(
              ['ID', 'FIREWALL', 'PUBLIC', 'SOURCE', 'PORT'],
              p.allows.map((a) => [String(a.id), a.firewall, a.publicIp ?? '(all)', a.source, a.port !== null ? `${a.proto ?? 'tcp'}/${a.port}` : (a.proto ?? 'any')]),
            ),
      );
      out.write(
        p.forwards.length === 0
          ? 'No port forwards.'
          : formatTable(
              ['ID', 'FIREWALL', 'PUBLIC', 'PRIVATE', 'PROTO'],
              p.forwards.map((f) => [String(f.id), f.firewall, `${f.publicIp}:${f.publicPort}`, `${f.privateIp}:${f.privatePort}`, f.proto]),
            ),
      );
      for (const d of p.drift) printDrift(context, d);
    });

  nat
    .command('reconcile')
    .description("Compare a firewall's live rules (1:1 NAT, forwards, allow-lists) with Outpost's records; --repair puts them back (runs nat.reconcile here). Exit 1 on drift left.")
    .requiredOption('--firewall <name>', 'firewall')
    .option('--repair', 'repair the drift found (an audited procedure)')
    .action(async (o: { firewall: string; repair?: boolean }) => {
      const r = await context.call('nat.reconcile', { firewall: o.firewall, repair: Boolean(o.repair) });
      if (context.out.json && !r.procedureId) context.out.write(JSON.stringify(r.status));
      else printDrift(context, r.status);
      if (r.procedureId) {
        process.exitCode = await driveAndReport(context, r.procedureId);
        return;
      }
      if (r.status.state === 'drift' || r.status.state === 'unreachable') process.exitCode = 1;
    });
}
