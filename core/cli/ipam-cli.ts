import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { OutpostError } from '../contract/errors.js';
import type { CliContext } from './cli-context.js';
import { formatTable } from './output.js';

/** --reserve START-END[:reason], repeatable. */
function reserveRange(value: string, previous: { start: string; end: string; reason: string }[] = []) {
  const m = /^([^-:\s]+)(?:-([^:\s]+))?(?::(.*))?$/.exec(value);
  if (!m) throw new InvalidArgumentError(`--reserve takes START[-END][:reason], got "${value}".`);
  return [...previous, { start: m[1]!, end: m[2] ?? m[1]!, reason: m[3] ?? '' }];
}

const percent = (used: number, size: string): string => {
  const total = Number(size);
  return Number.isFinite(total) && total > 0 ? `${((100 * used) / total).toFixed(1)}%` : '-';
};

export function registerIpamCommands(program: Command, context: CliContext): void {
  const ipam = program.command('ipam').description('Address pools and allocations');
  const pool = ipam.command('pool').description('Address pools');

  pool
    .command('add')
    .description('Add a pool, e.g. --name public-a --cidr 203.0.113.0/24 --kind public')
    .requiredOption('--name <name>', 'pool name')
    .requiredOption('--cidr <cidr>', 'network, host bits clear (e.g. 203.0.113.0/24)')
    .requiredOption('--kind <kind>', 'public or private')
    .option('--gateway <ip>', 'gateway address (never allocated)')
    .option('--scope <site>', 'site the pool belongs to (private ranges may repeat across sites)')
    .option('--reserve <range>', 'START[-END][:reason], never allocated (repeatable)', reserveRange)
    .action(async (o: { name: string; cidr: string; kind: string; gateway?: string; scope?: string; reserve?: { start: string; end: string; reason: string }[] }) => {
      const created = await context.call('ipam.pools.add', {
        name: o.name,
        cidr: o.cidr,
        kind: o.kind as 'public' | 'private', // validated by the contract: a wrong kind is VALIDATION
        ...(o.gateway ? { gateway: o.gateway } : {}),
        ...(o.scope ? { scope: o.scope } : {}),
        ...(o.reserve ? { reserved: o.reserve } : {}),
      });
      const out = context.out;
      out.write(out.json ? JSON.stringify(created) : `Pool ${created.name} ${created.cidr} (${created.kind}): ${created.size} usable addresses.`);
    });

  ipam
    .command('list')
    .description('Pools with utilisation')
    .action(async () => {
      const pools = await context.call('ipam.pools.list', {});
      const out = context.out;
      if (out.json) out.write(JSON.stringify(pools));
      else if (pools.length === 0) out.write('No pools. Add one: outpost ipam pool add --name N --cidr C --kind public|private');
      else
        out.write(
          formatTable(
            ['POOL', 'CIDR', 'KIND', 'SCOPE', 'GATEWAY', 'SIZE', 'ALLOCATED', 'RESERVED', 'USED'],
            pools.map((p) => [p.name, p.cidr, p.kind, p.scope || '-', p.gateway ?? '-', p.size, String(p.allocated), p.reservedCount, percent(p.allocated + Number(p.reservedCount), p.size)]),
          ),
        );
    });

  ipam
    .command('allocations')
    .description('Who holds which address')
    .option('--pool <name>', 'only this pool')
    .option('--all', 'include released allocations (history)')
    .action(async (o: { pool?: string; all?: boolean }) => {
      const rows = await context.call('ipam.allocations.list', { ...(o.pool ? { pool: o.pool } : {}), includeReleased: Boolean(o.all) });
      const out = context.out;
      if (out.json) out.write(JSON.stringify(rows));
      else if (rows.length === 0) out.write('No allocations.');
      else out.write(formatTable(['POOL', 'ADDRESS', 'OWNER', 'PURPOSE', 'SINCE', 'RELEASED'], rows.map((a) => [a.pool, a.address, a.owner, a.purpose, a.allocatedAt, a.releasedAt ?? ''])));
    });

  ipam
    .command('allocate')
    .description('Allocate an address to an owner, e.g. --pool public-a --owner vm:web-01 (the same owner and purpose get the same address back)')
    .requiredOption('--pool <name>', 'pool to allocate from')
    .requiredOption('--owner <owner>', 'who holds it, e.g. vm:web-01')
    .option('--purpose <purpose>', 'what for (one address per owner and purpose)', 'manual')
    .option('--address <ip>', 'this address instead of the lowest free one')
    .action(async (o: { pool: string; owner: string; purpose: string; address?: string }) => {
      const a = await context.call('ipam.allocate', { pool: o.pool, owner: o.owner, purpose: o.purpose, ...(o.address ? { address: o.address } : {}) });
      const out = context.out;
      out.write(out.json ? JSON.stringify(a) : `${a.address} allocated to ${a.owner} in ${a.pool} (${a.purpose})`);
    });

  ipam
    .command('release')
    .description('Release an allocation: --address A [--pool P], or --pool P --owner O [--purpose X]')
    .option('--address <ip>', 'the address to release')
    .option('--pool <name>', 'the pool (needed with --owner, or when several pools hold the address)')
    .option('--owner <owner>', 'release what this owner holds for --purpose')
    .option('--purpose <purpose>', 'with --owner', 'manual')
    .action(async (o: { address?: string; pool?: string; owner?: string; purpose: string }) => {
      if ((o.address === undefined) === (o.owner === undefined)) throw new OutpostError('VALIDATION', 'Give --address, or --owner with --pool (not both).');
      if (o.owner !== undefined && o.pool === undefined) throw new OutpostError('VALIDATION', '--owner needs --pool: say which pool the owner holds the address in.');
      const a = await context.call(
        'ipam.release',
        o.address !== undefined ? { address: o.address, ...(o.pool ? { pool: o.pool } : {}) } : { pool: o.pool!, owner: o.owner!, purpose: o.purpose },
      );
      const out = context.out;
      out.write(out.json ? JSON.stringify(a) : `${a.address} released (was ${a.owner} in ${a.pool}, ${a.purpose})`);
    });
}
