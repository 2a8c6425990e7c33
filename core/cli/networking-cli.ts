import { InvalidArgumentError, type Command } from 'commander';
import type { HostVlanResult, VlanEnsureResult, VmNicInfo } from '../contract/networking.js';
import { OutpostError, toContractError } from '../contract/errors.js';
import { UsageError } from './cli-error.js';
import type { CliContext } from './cli-context.js';
import { formatTable } from './output.js';

function vlanId(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 4095) throw new InvalidArgumentError('the VLAN id is a whole number from 0 to 4095.');
  return n;
}

const OUTCOME: Record<HostVlanResult['outcome'], (h: HostVlanResult, dryRun: boolean) => string> = {
  ready: (h) => (h.created ? 'created' : 'ready'),
  create: (_h, dryRun) => (dryRun ? 'would create' : 'create'),
  failed: () => 'FAILED',
};

function hostTable(r: Pick<VlanEnsureResult, 'hosts' | 'dryRun'>): string {
  return formatTable(
    ['HOST', 'CLUSTER', 'VSWITCH', 'RESULT', 'DETAIL'],
    r.hosts.map((h) => {
      const last = h.checks[h.checks.length - 1];
      return [h.host, h.cluster ?? '-', h.vswitch ?? '-', OUTCOME[h.outcome](h, r.dryRun), h.failure ?? last?.detail ?? ''];
    }),
  );
}

function nicIndex(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 10) throw new InvalidArgumentError('the NIC index is a whole number from 1 to 10 (1 is "Network adapter 1").');
  return n;
}

function nicTable(nics: readonly VmNicInfo[]): string {
  return formatTable(
    ['NIC', 'LABEL', 'TYPE', 'NETWORK', 'MAC', 'CONNECTED'],
    nics.map((n) => [String(n.index), n.label, n.type, n.network ?? `(${n.backing})`, n.macAddress ?? '-', n.connected ? 'yes' : n.startConnected ? 'at power-on' : 'no']),
  );
}

export function registerNetworkingCommands(program: Command, context: CliContext): void {
  const vlan = program.command('vlan').description('VLAN port groups on the standard vSwitches of ESXi hosts (seed 003)');
  vlan
    .command('list')
    .description("Each host's adapters, standard vSwitches with uplinks, and port groups with VLAN ids (live from vCenter)")
    .requiredOption('--site <name>', 'site name')
    .action(async (o: { site: string }) => {
      const hosts = await context.call('vlan.list', { site: o.site });
      const out = context.out;
      if (out.json) {
        out.write(JSON.stringify(hosts));
        return;
      }
      if (hosts.length === 0) {
        out.write(`Site ${o.site} has no hosts.`);
        return;
      }
      const rows: string[][] = [];
      for (const h of hosts) {
        for (const v of h.vswitches) {
          const groups = h.portGroups.filter((p) => p.vswitch === v.name);
          if (groups.length === 0) rows.push([h.host, h.cluster ?? '-', v.name, v.uplinks.join(',') || '-', '-', '-']);
          for (const p of groups) rows.push([h.host, h.cluster ?? '-', v.name, v.uplinks.join(',') || '-', p.name, String(p.vlanId)]);
        }
        const unbound = h.nics.filter((n) => !h.vswitches.some((v) => v.uplinks.includes(n)));
        if (unbound.length) rows.push([h.host, h.cluster ?? '-', '-', unbound.join(',') + ' (no vSwitch)', '-', '-']);
      }
      out.write(formatTable(['HOST', 'CLUSTER', 'VSWITCH', 'UPLINKS', 'PORT GROUP', 'VLAN'], rows));
    });

  vlan
    .command('ensure')
    .description('Ensure a port group with a VLAN id on a host or every host of a cluster: adapter → bound vSwitch → port group (created if missing) → on that vSwitch → that VLAN')
    .requiredOption('--site <name>', 'site name')
    .option('--host <name>', 'one host')
    .option('--cluster <name>', 'every host of this cluster')
    .requiredOption('--nic <device>', 'physical adapter, e.g. vmnic0')
    .requiredOption('--portgroup <name>', 'port group name')
    .requiredOption('--vlan <id>', 'VLAN id, 0-4095', vlanId)
    .option('--dry-run', 'show what would be created or would fail, change nothing')
    .action(async (o: { site: string; host?: string; cluster?: string; nic: string; portgroup: string; vlan: number; dryRun?: boolean }) => {
      if ((o.host === undefined) === (o.cluster === undefined)) throw new UsageError('Give --host or --cluster (one of them).');
      const out = context.out;
      let result: VlanEnsureResult;
      try {
        result = await context.call('vlan.ensure', {
          site: o.site,
          ...(o.host !== undefined ? { host: o.host } : { cluster: o.cluster ?? '' }),
          nic: o.nic,
          portGroup: o.portgroup,
          vlanId: o.vlan,
          dryRun: Boolean(o.dryRun),
        });
      } catch (err) {
        // A failed check: show every host's finding on stdout, the one-line error on stderr.
        const e = toContractError(err);
        const hosts = e.code === 'VLAN_CHECK_FAILED' && typeof e.details === 'object' && e.details !== null ? (e.details as { hosts?: HostVlanResult[] }).hosts : undefined;
        if (hosts) out.write(out.json ? JSON.stringify({ ok: false, dryRun: false, hosts }) : hostTable({ hosts, dryRun: false }));
        throw err;
      }
      out.write(out.json ? JSON.stringify(result) : hostTable(result));
      if (!result.ok) {
        const failed = result.hosts.filter((h) => h.outcome === 'failed');
        throw new OutpostError('VLAN_CHECK_FAILED', `Dry run: ${failed.length} of ${result.hosts.length} host(s) would fail a check; nothing would be changed.`);
      }
    });

  vlan
    .command('attach')
    .description("Connect a VM's network adapter to a port group its host has (seed 003 step 6), or add a vmxnet3 adapter on it (--add); durable and audited, rolled back if the read-back fails")
    .requiredOption('--site <name>', 'site name')
    .requiredOption('--vm <name>', 'VM name (or moref, or uuid)')
    .requiredOption('--portgroup <name>', 'port group (standard or distributed) on the VM\'s host')
    .option('--nic <n>', 'adapter number, 1 = "Network adapter 1" (default 1, or with --add one past the last)', nicIndex)
    .option('--add', 'add a new vmxnet3 adapter when --nic is one past the last (or not given)')
    .action(async (o: { site: string; vm: string; portgroup: string; nic?: number; add?: boolean }) => {
      const r = await context.call('vlan.attach', { site: o.site, vm: o.vm, portGroup: o.portgroup, ...(o.nic !== undefined ? { nic: o.nic } : {}), add: Boolean(o.add) });
      const out = context.out;
      if (out.json) {
        out.write(JSON.stringify(r));
        return;
      }
      const what = r.added ? `Added adapter ${r.nic} on ${r.portGroup}` : r.changed ? `Adapter ${r.nic} moved from ${r.previous ?? '?'} to ${r.portGroup}` : `Adapter ${r.nic} was on ${r.portGroup} already`;
      out.write(`${what} (${r.vm}, procedure ${r.procedureId}).\n${nicTable(r.nics)}`);
    });

  // `outpost vm ...` belongs to the inventory commands; these join it (registered after them).
  const vm = program.commands.find((c) => c.name() === 'vm') ?? program.command('vm').description('Operations on one VM');
  vm.command('nics')
    .description("A VM's network adapters: network, MAC, connected (live from vCenter), and the networks its host offers")
    .requiredOption('--site <name>', 'site name')
    .requiredOption('--vm <name>', 'VM name (or moref, or uuid)')
    .action(async (o: { site: string; vm: string }) => {
      const r = await context.call('vm.nics.list', { site: o.site, vm: o.vm });
      const out = context.out;
      out.write(out.json ? JSON.stringify(r) : r.nics.length ? `${nicTable(r.nics)}\nNetworks on its host: ${r.networks.map((n) => n.name).join(', ') || 'none'}` : `${r.vm} has no network adapters.`);
    });
  const guestinfo = vm.command('guestinfo').description('guestinfo.* extra-config keys the guest reads with VMware Tools (`outpost vm guestinfo --site S --vm V` prints them)');
  guestinfo
    .command('get', { isDefault: true })
    .description("A VM's guestinfo keys and values (live from vCenter)")
    .requiredOption('--site <name>', 'site name')
    .requiredOption('--vm <name>', 'VM name (or moref, or uuid)')
    .action(async (o: { site: string; vm: string }) => {
      const r = await context.call('vm.guestinfo.get', { site: o.site, vm: o.vm });
      const out = context.out;
      out.write(out.json ? JSON.stringify(r) : r.entries.length ? formatTable(['KEY', 'VALUE'], r.entries.map((e) => [e.key, e.value])) : `${r.vm} has no guestinfo keys.`);
    });
  guestinfo
    .command('set')
    .description('Set guestinfo keys (KEY=VALUE ...) and remove others (--remove KEY); audited by key')
    .requiredOption('--site <name>', 'site name')
    .requiredOption('--vm <name>', 'VM name (or moref, or uuid)')
    .option('--remove <key...>', 'keys to remove')
    .argument('[pairs...]', 'guestinfo.KEY=VALUE')
    .action(async (pairs: string[], o: { site: string; vm: string; remove?: string[] }) => {
      const set = pairs.map((p) => {
        const i = p.indexOf('=');
        if (i <= 0) throw new UsageError(`"${p}" is not KEY=VALUE (e.g. guestinfo.machine.id=...).`);
        return { key: p.slice(0, i), value: p.slice(i + 1) };
      });
      const r = await context.call('vm.guestinfo.set', { site: o.site, vm: o.vm, set, remove: o.remove ?? [] });
      const out = context.out;
      out.write(out.json ? JSON.stringify(r) : `${r.vm} (${r.moref}) now has ${r.entries.length} guestinfo key(s).`);
    });
  vm.command('console')
    .description('A VMware Remote Console link for a VM: vmrc://clone:TICKET@host/?moid=..., a one-time secret (VMRC clones your vCenter session, no second login)')
    .requiredOption('--site <name>', 'site name')
    .requiredOption('--vm <name>', 'VM name (or moref, or uuid)')
    .action(async (o: { site: string; vm: string }) => {
      const r = await context.call('vm.console.open', { site: o.site, vm: o.vm, kind: 'vmrc' });
      const out = context.out;
      if (!r.vmrcUrl) throw new Error('vm.console.open answered no VMRC link');
      // The link is a credential: stdout only (for `vmrc "$(outpost vm console ...)"`), and a warning beside it.
      out.error(`The link carries a one-time ticket for your vCenter session: open it once${r.expiresAt ? ` before ${r.expiresAt}` : ''}; do not paste or keep it.`);
      out.write(out.json ? JSON.stringify({ vm: r.vm, moref: r.moref, vmrcUrl: r.vmrcUrl, expiresAt: r.expiresAt }) : r.vmrcUrl);
    });
}
