import type { VmSummary } from '../../../core/contract';
import { powerLabel, toolsLabel } from '../../ui/vm-labels';

export type SortKey = 'name' | 'powerState' | 'guestFullName' | 'ipAddress' | 'host' | 'numCpu' | 'memoryMB' | 'toolsRunningStatus';
export interface SortOrder {
  key: SortKey;
  direction: 'ascending' | 'descending';
}

export { powerLabel, powerLabels, powerOptions, toolsLabel, toolsLabels, toolsOptions, toolsStatuses, type ToolsFilter } from '../../ui/vm-labels';

/** Stable identity of a row across sites (a moref is only unique inside one vCenter). */
export const vmKey = (vm: Pick<VmSummary, 'site' | 'moref'>): string => `${vm.site}/${vm.moref}`;

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/** IPv4 sorts by number (10.0.0.9 before 10.0.0.10); anything else by text after all IPv4. */
function ipSortKey(ip: string | null): string | null {
  if (!ip) return null;
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  if (!m) return `~${ip}`;
  return m
    .slice(1)
    .map((o) => o.padStart(3, '0'))
    .join('.');
}

function compareBy(key: SortKey): (a: VmSummary, b: VmSummary) => number {
  if (key === 'numCpu' || key === 'memoryMB') {
    return (a, b) => {
      const x = a[key];
      const y = b[key];
      if (x === y) return 0;
      if (x === null) return 1; // unknowns last
      if (y === null) return -1;
      return x - y;
    };
  }
  const value = (vm: VmSummary): string | null =>
    key === 'ipAddress' ? ipSortKey(vm.ipAddress) : key === 'powerState' ? (vm.powerState ? powerLabel(vm) : null) : key === 'toolsRunningStatus' ? (vm.toolsRunningStatus ? toolsLabel(vm) : null) : vm[key];
  return (a, b) => {
    const x = value(a);
    const y = value(b);
    if (x === y) return 0;
    if (x === null) return 1;
    if (y === null) return -1;
    return key === 'ipAddress' ? (x < y ? -1 : 1) : collator.compare(x, y);
  };
}

/**
 * The rows to show in the chosen order (every filter is applied by the store): a stable sort with
 * name as the tie-breaker. Unknown values sort last in either direction.
 */
export function visibleRows(rows: readonly VmSummary[], order: SortOrder): VmSummary[] {
  const filtered = [...rows];
  const primary = compareBy(order.key);
  const byName = compareBy('name');
  const sign = order.direction === 'ascending' ? 1 : -1;
  const isNull = (vm: VmSummary): boolean => {
    const v = order.key === 'ipAddress' ? vm.ipAddress : vm[order.key];
    return v === null;
  };
  return filtered.sort((a, b) => {
    const an = isNull(a);
    const bn = isNull(b);
    if (an !== bn) return an ? 1 : -1;
    return sign * primary(a, b) || byName(a, b) || collator.compare(a.site, b.site);
  });
}

const csvColumns: { header: string; value(vm: VmSummary): string | number | null }[] = [
  { header: 'site', value: (vm) => vm.site },
  { header: 'name', value: (vm) => vm.name },
  { header: 'moref', value: (vm) => vm.moref },
  { header: 'uuid', value: (vm) => vm.uuid },
  { header: 'instanceUuid', value: (vm) => vm.instanceUuid },
  { header: 'powerState', value: (vm) => vm.powerState },
  { header: 'guestId', value: (vm) => vm.guestId },
  { header: 'guestFullName', value: (vm) => vm.guestFullName },
  { header: 'ipAddress', value: (vm) => vm.ipAddress },
  { header: 'ipAddresses', value: (vm) => vm.ipAddresses.join(' ') },
  { header: 'hostName', value: (vm) => vm.hostName },
  { header: 'toolsRunningStatus', value: (vm) => vm.toolsRunningStatus },
  { header: 'host', value: (vm) => vm.host },
  { header: 'numCpu', value: (vm) => vm.numCpu },
  { header: 'memoryMB', value: (vm) => vm.memoryMB },
  { header: 'folderPath', value: (vm) => vm.folderPath },
  { header: 'annotation', value: (vm) => vm.annotation },
  { header: 'updatedAt', value: (vm) => vm.updatedAt },
];

/**
 * RFC 4180 CSV (CRLF, quotes doubled). A cell that a spreadsheet would run as a formula
 * (=, +, -, @ first) gets a leading apostrophe: VM names and annotations come from vCenter.
 */
export function vmsCsv(rows: readonly VmSummary[]): string {
  const cell = (v: string | number | null): string => {
    if (v === null) return '';
    let s = String(v);
    if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const lines = [csvColumns.map((c) => c.header).join(',')];
  for (const vm of rows) lines.push(csvColumns.map((c) => cell(c.value(vm))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
