import { createWriteStream, renameSync, rmSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { InvalidArgumentError, type Command } from 'commander';
import { VMS_LIST_MAX, type IndexStatus, type VmSummary } from '../contract/inventory.js';
import { OutpostError } from '../contract/errors.js';
import { inventoryViewIds, inventoryViews, type InventoryViewId } from '../contract/inventory-views.js';
import { exportFileName } from '../inventory/inventory-export.js';
import { UsageError } from './cli-error.js';
import { positiveInt, type CliContext } from './cli-context.js';
import { formatTable } from './output.js';

/** The fields `outpost vms list --json` prints for each VM in `vms` (scripts rely on these names). */
const VM_FIELDS = ['site', 'name', 'uuid', 'instanceUuid', 'powerState', 'guestId', 'guestFullName', 'ipAddress', 'hostName', 'toolsRunningStatus', 'host', 'numCpu', 'memoryMB'] as const;

const pick = (vm: VmSummary): Record<string, unknown> => Object.fromEntries(VM_FIELDS.map((f) => [f, vm[f]]));

const POWER = { on: 'poweredOn', off: 'poweredOff', suspended: 'suspended' } as const;
const TOOLS = { running: 'guestToolsRunning', 'not-running': 'guestToolsNotRunning', starting: 'guestToolsExecutingScripts', unknown: 'unknown' } as const;

/** A commander parser that maps the operator's word to the contract's value. */
function choice<T extends Record<string, string>>(flag: string, values: T): (value: string) => T[keyof T] {
  return (value) => {
    const v = values[value as keyof T];
    if (v === undefined) throw new InvalidArgumentError(`${flag} must be one of ${Object.keys(values).join(', ')}.`);
    return v;
  };
}

interface VmFilterOptions {
  site?: string;
  query?: string;
  all?: boolean;
  power?: (typeof POWER)[keyof typeof POWER];
  tools?: (typeof TOOLS)[keyof typeof TOOLS];
  enrolled?: boolean;
  notEnrolled?: boolean;
}

function vmFilter(o: VmFilterOptions) {
  if (o.enrolled && o.notEnrolled) throw new UsageError('Give --enrolled or --not-enrolled, not both.');
  return {
    includeRemoved: Boolean(o.all),
    ...(o.site ? { site: o.site } : {}),
    ...(o.query ? { query: o.query } : {}),
    ...(o.power ? { powerState: o.power } : {}),
    ...(o.tools ? { toolsStatus: o.tools } : {}),
    ...(o.enrolled ? { enrolled: true } : o.notEnrolled ? { enrolled: false } : {}),
  };
}

/** A site's always-on index in one cell: live (lag), syncing, reconnecting in Ns, failed: why, not indexed. */
export function indexText(s: IndexStatus | null, now = Date.now()): string {
  if (!s || s.state === 'stopped') return 'not indexed (start outpost serve or the app)';
  if (s.stale) return `not indexed (pid ${s.pid} stopped reporting at ${s.heartbeatAt})`;
  const err = s.lastError ? `: ${s.lastError.code} ${s.lastError.message}` : '';
  const retry = s.retryAt ? ` in ${Math.max(0, Math.ceil((Date.parse(s.retryAt) - now) / 1000))}s` : '';
  switch (s.state) {
    case 'watching':
      return `live${s.lagMs !== null ? `, lag ${(s.lagMs / 1000).toFixed(1)}s` : ''}${s.lastChangeAt ? `, last change ${s.lastChangeAt}` : ''}`;
    case 'syncing':
    case 'connecting':
      return s.state;
    case 'backoff':
      return `reconnecting${retry}${err}`;
    case 'failed':
      return `error${err} (retry${retry})`;
  }
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new UsageError('--password-stdin reads the password from standard input: pipe it in (e.g. from a secrets tool).');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  // One trailing newline is what `echo` and most tools add; it is not part of the password.
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

export function registerInventoryCommands(program: Command, context: CliContext): void {
  const site = program.command('site').description('vCenter sites');
  site
    .command('add')
    .description('Add a vCenter: checks its certificate and the login, stores the password sealed in the vault')
    .requiredOption('--name <name>', 'site name')
    .requiredOption('--url <url>', 'vCenter SDK URL, e.g. https://vcenter.example/sdk')
    .requiredOption('--user <user>', 'vCenter user name')
    .option('--password-stdin', 'read the password from standard input (it is never taken as an argument)')
    .option('--trust <fingerprint>', "trust this certificate: its SHA-256 fingerprint (openssl x509 -noout -fingerprint -sha256)")
    .action(async (o: { name: string; url: string; user: string; passwordStdin?: boolean; trust?: string }) => {
      if (!o.passwordStdin) throw new UsageError('Give the password with --password-stdin (piped in); Outpost never takes it as an argument.');
      const password = await readStdin();
      if (!password) throw new UsageError('The password on standard input is empty.');
      const added = await context.call('sites.add', { name: o.name, url: o.url, username: o.user, password, ...(o.trust ? { trustFingerprint: o.trust } : {}) });
      const out = context.out;
      out.write(
        out.json
          ? JSON.stringify(added)
          : `Site ${added.name} added: ${added.vcenter.fullName} at ${added.url}${added.fingerprint ? ` (certificate pinned ${added.fingerprint})` : ' (certificate trusted through a CA)'}.\nNext: outpost inventory sync --site ${added.name}`,
      );
    });
  site
    .command('list')
    .description('Configured vCenters')
    .action(async () => {
      const sites = await context.call('sites.list', {});
      const out = context.out;
      if (out.json) out.write(JSON.stringify(sites));
      else if (sites.length === 0) out.write('No sites. Add one: outpost site add --name N --url https://vcenter/sdk --user U --password-stdin');
      else out.write(formatTable(['NAME', 'URL', 'USER', 'LAST SYNC', 'INDEX'], sites.map((s) => [s.name, s.url, s.username, s.lastSyncAt ?? 'never', indexText(s.index ?? null)])));
    });

  site
    .command('remove')
    .description('Remove a vCenter: stops watching it, marks its inventory removed (rows kept for audit), deletes its stored password')
    .requiredOption('--name <name>', 'site name')
    .option('--yes', 'do not ask (needed when standard input is not a terminal)')
    .action(async (o: { name: string; yes?: boolean }) => {
      if (!o.yes) {
        if (!process.stdin.isTTY) throw new UsageError(`Removing site ${o.name} marks its whole inventory removed: confirm with --yes.`);
        const rl = createInterface({ input: process.stdin, output: process.stderr });
        try {
          const answer = await rl.question(`Remove site ${o.name}? Its inventory is marked removed (kept for audit) and its password is deleted. Type the site name to confirm: `);
          if (answer.trim() !== o.name.trim()) throw new UsageError('Not confirmed; nothing was removed.');
        } finally {
          rl.close();
        }
      }
      const r = await context.call('sites.remove', { site: o.name });
      const out = context.out;
      const m = r.markedRemoved;
      out.write(
        out.json
          ? JSON.stringify(r)
          : `Site ${r.site} removed. Marked removed (kept for audit): ${m.vms} VMs, ${m.hosts} hosts, ${m.clusters} clusters, ${m.datacenters} datacenters, ${m.networks} networks, ${m.datastores} datastores.`,
      );
    });

  const inventory = program.command('inventory').description('The local copy of each site inventory');
  inventory
    .command('sync')
    .description('Read the whole inventory of a site into the local store')
    .requiredOption('--site <name>', 'site name')
    .option('--page-size <n>', 'objects per page (1-10000)', positiveInt('--page-size', 10_000))
    .action(async (o: { site: string; pageSize?: number }) => {
      const r = await context.call('inventory.sync', { site: o.site, ...(o.pageSize ? { pageSize: o.pageSize } : {}) });
      const out = context.out;
      const c = r.counts;
      out.write(
        out.json
          ? JSON.stringify(r)
          : `${r.site}: ${c.vms} VMs, ${c.hosts} hosts, ${c.clusters} clusters, ${c.datacenters} datacenters, ${c.networks} networks, ${c.datastores} datastores; ${r.removed} removed; ${r.pages} pages in ${r.elapsedMs} ms`,
      );
    });
  inventory
    .command('watch')
    .description('Keep a site current (until Ctrl-C); reconnects and resyncs by itself')
    .requiredOption('--site <name>', 'site name')
    .action(async (o: { site: string }) => {
      const out = context.out;
      const services = (await context.open()).services;
      let failed: { code: string; message: string } | null = null;
      let wake: () => void = () => undefined;
      const stopped = new Promise<void>((resolve) => (wake = resolve));
      // Change lines look their VM names up in the store (asynchronous): one after the other, in order.
      let printing = Promise.resolve();
      services.inventory.watchTuning = {
        onStatus: (siteName, s) => {
          out.write(out.json ? JSON.stringify({ site: siteName, ...s }) : `${new Date().toISOString()} ${siteName}: ${s.state}${s.lastError && s.state !== 'watching' ? ` (${s.lastError.code}: ${s.lastError.message})` : ''}`);
          if (s.state === 'failed') {
            failed = s.lastError;
            wake();
          }
        },
        onApplied: (siteName, changes) => {
          printing = printing
            .then(async () => {
              for (const c of changes) {
                const name = (await services.inventory.vmName(c.moref)) ?? c.moref;
                out.write(out.json ? JSON.stringify({ site: siteName, change: c.kind, type: c.type, moref: c.moref, name }) : `${new Date().toISOString()} ${siteName}: ${c.kind} ${c.type} ${name}`);
              }
            })
            .catch(() => undefined);
        },
      };
      await context.call('inventory.watch.start', { site: o.site });
      const onSignal = (): void => wake();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      await stopped;
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await context.call('inventory.watch.stop', { site: o.site });
      const error = failed as { code: string; message: string } | null;
      if (error) throw new OutpostError(error.code as OutpostError['code'], error.message);
    });

  inventory
    .command('export')
    .description('Write an RVTools-style view of the local store to a CSV or .xlsx file')
    .requiredOption('--view <view>', inventoryViewIds.join(', '), choice('--view', Object.fromEntries(inventoryViewIds.map((v) => [v, v])) as Record<InventoryViewId, InventoryViewId>))
    .option('--format <format>', 'csv or xlsx', choice('--format', { csv: 'csv', xlsx: 'xlsx' } as const), 'csv' as const)
    .option('--site <name>', 'only this site')
    .option('--out <file>', 'file to write (default: outpost-<view>-<site>-<time>.<format> here)')
    .action(async (o: { view: InventoryViewId; format: 'csv' | 'xlsx'; site?: string; out?: string }) => {
      const sites = await context.call('sites.list', {});
      if (o.site && !sites.some((x) => x.name === o.site)) throw new OutpostError('NOT_FOUND', `No site named "${o.site}". List them with: outpost site list`, { site: o.site });
      const file = resolvePath(o.out ?? exportFileName({ view: o.view, format: o.format, site: o.site }));
      if (o.out && !o.out.toLowerCase().endsWith(`.${o.format}`)) throw new UsageError(`--out ${o.out} does not end in .${o.format}; give a name that matches --format.`);
      // Written next to the target and renamed when complete: a failure leaves no half file behind.
      const partial = `${file}.partial-${process.pid}`;
      const services = (await context.open()).services;
      let rows: number;
      try {
        rows = await services.inventoryViews.exportTo({ view: o.view, format: o.format, ...(o.site ? { site: o.site } : {}) }, createWriteStream(partial, { mode: 0o600 }));
        renameSync(partial, file);
      } catch (err) {
        rmSync(partial, { force: true });
        throw err;
      }
      const out = context.out;
      out.write(out.json ? JSON.stringify({ view: o.view, format: o.format, rows, file }) : `${rows} ${inventoryViews[o.view].label} rows written to ${file}`);
    });

  const vms = program.command('vms').description('VMs in the local store');
  vms
    .command('list')
    .description('List VMs; --query searches name, IPs, guest host name and guest OS')
    .option('--site <name>', 'only this site')
    .option('--query <text>', 'search: every word must occur (any case) in the name, an IP, the guest host name or guest OS')
    .option('--limit <n>', 'at most this many (1-1000000); --json gives { vms, total, truncated }', positiveInt('--limit', VMS_LIST_MAX), 1000)
    .option('--all', 'include removed VMs (kept for audit)')
    .option('--power <state>', 'on, off or suspended', choice('--power', POWER))
    .option('--tools <status>', 'running, not-running, starting or unknown', choice('--tools', TOOLS))
    .option('--enrolled', 'only VMs with an active enrollment record')
    .option('--not-enrolled', 'only VMs without one')
    .action(async (o: VmFilterOptions & { limit: number }) => {
      const filter = vmFilter(o);
      const [rows, count] = await Promise.all([context.call('vms.list', { ...filter, limit: o.limit }), context.call('vms.count', filter)]);
      const out = context.out;
      // --json says when --limit cut the list short, as the text does (a script must not take 1,000 for all).
      if (out.json) out.write(JSON.stringify({ vms: rows.map(pick), total: count.total, truncated: count.total > rows.length }));
      else if (rows.length === 0) out.write('No VMs match.');
      else
        out.write(
          formatTable(
            ['NAME', 'POWER', 'IP', 'GUEST HOST', 'HOST', 'GUEST OS', 'CPU', 'MEM MB', 'SITE'],
            rows.map((v) => [v.name, v.powerState ?? '-', v.ipAddress ?? '-', v.hostName ?? '-', v.host ?? '-', v.guestFullName ?? '-', String(v.numCpu ?? '-'), String(v.memoryMB ?? '-'), v.site]),
          ) + (count.total > rows.length ? `\n${rows.length} of ${count.total} VMs; raise --limit or narrow the filter to see the rest.` : ''),
        );
    });
  vms
    .command('count')
    .description('How many VMs match (same filters as vms list)')
    .option('--site <name>', 'only this site')
    .option('--query <text>', 'search: every word must occur (any case) in the name, an IP, the guest host name or guest OS')
    .option('--all', 'include removed VMs (kept for audit)')
    .option('--power <state>', 'on, off or suspended', choice('--power', POWER))
    .option('--tools <status>', 'running, not-running, starting or unknown', choice('--tools', TOOLS))
    .option('--enrolled', 'only VMs with an active enrollment record')
    .option('--not-enrolled', 'only VMs without one')
    .action(async (o: VmFilterOptions) => {
      const r = await context.call('vms.count', vmFilter(o));
      context.out.write(context.out.json ? JSON.stringify(r) : String(r.total));
    });

  const vm = program.command('vm').description('Operations on one VM');
  vm.command('power')
    .description('Power a VM on or off, reset it, or shut its guest down')
    .requiredOption('--site <name>', 'site name')
    .requiredOption('--vm <name>', 'VM name (or moref, or uuid)')
    .argument('<action>', 'on, off, reset or shutdown', (value: string) => {
      if (value !== 'on' && value !== 'off' && value !== 'reset' && value !== 'shutdown') throw new InvalidArgumentError('must be on, off, reset or shutdown.');
      return value;
    })
    .action(async (action: 'on' | 'off' | 'reset' | 'shutdown', o: { site: string; vm: string }) => {
      const r = await context.call('vm.power', { site: o.site, vm: o.vm, action });
      const out = context.out;
      out.write(out.json ? JSON.stringify(r) : `${r.vm} (${r.moref}) is ${r.powerState}.`);
    });
}
