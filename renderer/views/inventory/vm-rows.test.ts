import { describe, expect, it } from 'vitest';
import type { VmSummary } from '../../../core/contract';
import { vmsCsv } from './vm-rows';

const base = { site: 'dc1', moref: 'vm-1', uuid: null, instanceUuid: null, powerState: 'poweredOn', guestId: null, guestFullName: null, ipAddress: '10.0.0.1', ipAddresses: ['10.0.0.1', 'fe80::1'], hostName: null, toolsRunningStatus: null, host: 'esx', numCpu: 2, memoryMB: 512, annotation: null, folderPath: null, updatedAt: 'T', removedAt: null } satisfies Omit<VmSummary, 'name'>;

describe('vmsCsv', () => {
  it('quotes commas and quotes, and defuses spreadsheet formulas', () => {
    const csv = vmsCsv([{ ...base, name: 'a,"b"' }, { ...base, moref: 'vm-2', name: '=cmd()', annotation: 'line1\nline2' }]);
    const lines = csv.split('\r\n');
    expect(lines[0]).toMatch(/^site,name,moref,uuid,/);
    expect(lines[1]).toContain('dc1,"a,""b""",vm-1,,,poweredOn,');
    expect(lines[1]).toContain('10.0.0.1 fe80::1');
    expect(csv).toContain(`'=cmd()`);
    expect(csv).toContain('"line1\nline2"');
  });
});
