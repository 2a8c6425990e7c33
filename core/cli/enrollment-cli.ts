import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { BatchStarted, CmdbRecord, EnrollmentCheck } from '../contract/enrollment.js';
import type { ProcedureDetail } from '../contract/commands.js';
import { OutpostError } from '../contract/errors.js';
import { positiveInt, type CliContext } from './cli-context.js';
import { formatTable } from './output.js';

interface BatchRow {
  vm: string;
  name: string | null;
  procedureId: string | null;
  state: string;
  /** The failed step, if any. */
  step: string | null;
  error: { code: string; message: string } | null;
}

/** Waits for a batch this process runs, then reads each run's end: state, failed step, error. */
async function settle(context: CliContext, batch: BatchStarted): Promise<BatchRow[]> {
  await (await context.open()).services.enrollment.whenBatchDone(batch.batchId);
  const rows: BatchRow[] = [];
  for (const item of batch.items) {
    if (!item.procedureId) {
      rows.push({ vm: item.vm, name: item.name, procedureId: null, state: 'not-started', step: null, error: item.error ? { code: item.error.code, message: item.error.message } : null });
      continue;
    }
    const d: ProcedureDetail = await context.call('procedures.get', { id: item.procedureId });
    const failed = d.steps.find((s) => s.error);
    const waiting = d.steps.find((s) => s.state === 'waiting');
    rows.push({
      vm: item.vm,
      name: item.name,
      procedureId: item.procedureId,
      state: d.procedure.state,
      step: failed?.name ?? waiting?.name ?? null,
      error: failed?.error ?? (d.procedure.error ? { code: d.procedure.error.code, message: d.procedure.error.message } : null),
    });
  }
  return rows;
}

function report(context: CliContext, batch: BatchStarted, rows: BatchRow[]): void {
  const out = context.out;
  if (out.json) {
    out.write(JSON.stringify({ batchId: batch.batchId, concurrency: batch.concurrency, vms: rows }));
  } else {
    out.write(formatTable(['VM', 'STATE', 'PROCEDURE', 'NOTE'], rows.map((r) => [r.name ?? r.vm, r.state, r.procedureId ?? '-', r.error ? `${r.step ? `${r.step}: ` : ''}${r.error.code}: ${r.error.message}` : r.state === 'waiting' ? `waiting at ${r.step}: outpost procedures approve ${r.procedureId}` : ''])));
    const ok = rows.filter((r) => r.state === 'succeeded').length;
    out.write(`\n${ok} of ${rows.length} succeeded.${rows.some((r) => r.procedureId && r.state !== 'succeeded') ? ' Details: outpost procedures show <id>' : ''}`);
  }
  // 0 all succeeded, 3 some wait for an operator, 1 anything failed.
  process.exitCode = rows.every((r) => r.state === 'succeeded') ? 0 : rows.some((r) => r.state !== 'succeeded' && r.state !== 'waiting') ? 1 : 3;
}

function printCheck(context: CliContext, check: EnrollmentCheck): void {
  const out = context.out;
  if (out.json) {
    out.write(JSON.stringify(check));
    return;
  }
  for (const t of check.targets) out.write(`${t.label}: ${t.status}: ${t.message}`);
  for (const vm of check.vms) {
    out.write(`\n${vm.name ?? vm.vm}: ${vm.eligible ? 'eligible' : 'NOT eligible'}${vm.privateIp ? ` (${vm.privateIp}${vm.osRule ? `, ${vm.osRule}` : ''})` : ''}`);
    out.write(formatTable(['CHECK', 'RESULT', 'DETAIL'], vm.checks.map((c) => [c.label, c.status, c.code ? `${c.code}: ${c.message}` : c.message])));
  }
  if (!check.vms.every((v) => v.eligible) || check.targets.some((t) => t.status === 'fail')) process.exitCode = 1;
}

/** The STATUS column: what the CMDB followed from vCenter comes first. */
function cmdbStatus(r: CmdbRecord): string {
  if (r.status === 'active' && r.vcenterDeletedAt) return 'deleted in vCenter';
  if (r.status === 'active' && r.guestIpSeen) return `NAT drift (guest ${r.guestIpSeen})`;
  return r.status;
}

/** `outpost enroll`, `outpost offboard`, `outpost cmdb`: the CLI face of Guest OS Services enrollment. */
export function registerEnrollmentCommands(program: Command, context: CliContext): void {
  program
    .command('enroll')
    .description('Enroll VMs in Guest OS Services (one enroll-vm procedure per VM, run here with bounded concurrency)')
    .requiredOption('--site <name>', 'vCenter site')
    .requiredOption('--vm <name...>', 'VM names (or morefs / instance uuids)')
    .requiredOption('--credential <name>', 'guest credential profile (outpost credential add)')
    .requiredOption('--firewall <name>', 'firewall for the 1:1 NAT')
    .requiredOption('--pool <name>', 'public pool to allocate from')
    .option('--concurrency <n>', 'VMs at once (1-32)', positiveInt('--concurrency', 32), 4)
    .option('--service-account <name>', 'service account created in each guest', 'outpost')
    .option('--service-credential <name>', "private-key profile whose key the service account gets (default: Outpost's own)")
    .option('--no-hostname', 'leave the guest host names as they are')
    .option('--os-actions <how>', 'auto (Ansible when installed), builtin or ansible', 'auto')
    .option('--check', 'only check each VM against the requirements; change nothing')
    .action(async (o: { site: string; vm: string[]; credential: string; firewall: string; pool: string; concurrency: number; serviceAccount: string; serviceCredential?: string; hostname: boolean; osActions: string; check?: boolean }) => {
      const targets = { site: o.site, vms: o.vm, credential: o.credential, firewall: o.firewall, pool: o.pool };
      if (o.check) {
        printCheck(context, await context.call('enrollment.check', targets));
        return;
      }
      if (!['auto', 'builtin', 'ansible'].includes(o.osActions)) throw new OutpostError('VALIDATION', '--os-actions must be auto, builtin or ansible.');
      const batch = await context.call('enrollment.start', {
        ...targets,
        concurrency: o.concurrency,
        serviceAccount: o.serviceAccount,
        setHostname: o.hostname,
        osActions: o.osActions as 'auto' | 'builtin' | 'ansible',
        ...(o.serviceCredential ? { serviceCredential: o.serviceCredential } : {}),
      });
      report(context, batch, await settle(context, batch));
    });

  program
    .command('offboard')
    .description('Offboard enrolled VMs: reverse every enrollment step (one offboard-vm procedure per VM)')
    .requiredOption('--site <name>', 'vCenter site')
    .requiredOption('--vm <name...>', 'VM names (or morefs / instance uuids)')
    .option('--concurrency <n>', 'VMs at once (1-32)', positiveInt('--concurrency', 32), 4)
    .option('--keep-account', 'leave the service account in the guest (its key is still removed)')
    .action(async (o: { site: string; vm: string[]; concurrency: number; keepAccount?: boolean }) => {
      const batch = await context.call('enrollment.offboard', { site: o.site, vms: o.vm, concurrency: o.concurrency, removeAccount: !o.keepAccount });
      report(context, batch, await settle(context, batch));
    });

  const cmdb = program.command('cmdb').description('The CMDB of enrolled VMs');
  const filters = (c: Command): Command =>
    c
      .option('--site <name>', 'only this site')
      .option('--query <text>', 'VM name, OS or IP contains this')
      .option('--firewall <name>', 'only VMs NATed on this firewall')
      .option('--offboarded', 'only offboarded VMs (history)')
      .option('--all', 'enrolled and offboarded');
  type Filters = { site?: string; query?: string; firewall?: string; offboarded?: boolean; all?: boolean };
  const input = (o: Filters) => ({
    ...(o.site ? { site: o.site } : {}),
    ...(o.query ? { query: o.query } : {}),
    ...(o.firewall ? { firewall: o.firewall } : {}),
    status: o.all ? ('all' as const) : o.offboarded ? ('offboarded' as const) : ('active' as const),
  });
  filters(cmdb.command('list').description('Enrolled VMs, newest first')).action(async (o: Filters) => {
    const rows = await context.call('cmdb.list', input(o));
    const out = context.out;
    if (out.json) out.write(JSON.stringify(rows));
    else if (rows.length === 0) out.write(o.all || o.offboarded ? 'No CMDB records.' : 'No enrolled VMs. Enroll some with: outpost enroll --site S --vm NAME --credential C --firewall F --pool P');
    else
      out.write(
        formatTable(
          ['SITE', 'VM', 'OS', 'PRIVATE', 'PUBLIC', 'FIREWALL', 'STATUS', 'ENROLLED', 'BY'],
          rows.map((r) => [r.site, r.vmName, r.os ?? '-', r.privateIp, r.publicIp ?? '-', r.firewall, cmdbStatus(r), r.enrolledAt, r.enrolledBy]),
        ),
      );
  });
  cmdb
    .command('orphans')
    .description('What needs you: VMs deleted in vCenter whose NAT and addresses are orphans (offboard them), and NAT drift (guest IP changed)')
    .option('--site <name>', 'only this site')
    .action(async (o: { site?: string }) => {
      const a = await context.call('cmdb.orphans', o.site ? { site: o.site } : {});
      const out = context.out;
      if (out.json) {
        out.write(JSON.stringify(a));
      } else {
        if (a.orphans.length === 0) out.write('No orphans: every enrolled VM is still in vCenter.');
        else {
          out.write(
            formatTable(
              ['SITE', 'VM', 'DELETED IN VCENTER', 'NAT', 'ADDRESSES', 'OFFBOARD WITH'],
              a.orphans.map((x) => [
                x.record.site,
                x.record.vmName,
                x.record.vcenterDeletedAt ?? '-',
                x.nat ? `${x.nat.publicIp} -> ${x.nat.privateIp} on ${x.nat.firewall} (record ${x.nat.id})` : '-',
                x.addresses.map((ad) => `${ad.address} (${ad.pool})`).join(', ') || '-',
                `outpost offboard --site ${x.record.site} --vm ${x.record.vmMoref}`,
              ]),
            ),
          );
        }
        if (a.drift.length) {
          out.write('\nNAT drift: the guest reports another IP than the one its NAT points at.');
          out.write(formatTable(['SITE', 'VM', 'NAT PRIVATE', 'GUEST REPORTS', 'SINCE'], a.drift.map((r) => [r.site, r.vmName, r.privateIp, r.guestIpSeen ?? '-', r.guestIpSeenAt ?? '-'])));
        }
      }
      // 3: something needs the operator (scripts can alert on it).
      if (a.orphans.length || a.drift.length) process.exitCode = 3;
    });
  filters(cmdb.command('export').description('The CMDB as CSV (stdout, or --out FILE)'))
    .option('--out <file>', 'write the CSV to this file')
    .action(async (o: Filters & { out?: string }) => {
      const csv = await context.call('cmdb.exportCsv', input(o));
      if (o.out) {
        writeFileSync(o.out, csv.csv);
        context.out.write(context.out.json ? JSON.stringify({ file: o.out, rows: csv.rows }) : `${csv.rows} rows written to ${o.out}`);
      } else process.stdout.write(csv.csv);
    });
}
