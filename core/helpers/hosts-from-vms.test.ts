import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../test/temp-dir.js';
import { unifiedDiff } from './hosts-diff.js';
import { mergeHostsFile, vmHostEntries } from './hosts-entries.js';

const vm = (vmName: string, guestHostName: string | null, address: string) => ({ label: `lab/${vmName}`, vmName, guestHostName, address });

describe('hosts entries from inventory VMs', () => {
  it('guest host name, its short form, then the VM name; names that are not host names are left out', () => {
    expect(vmHostEntries([vm('web-01', 'Web-01.lab.internal.', '10.0.0.5'), vm('Build Agent 7', 'agent7', '10.0.0.6'), vm('db', null, '10.0.0.7')])).toEqual([
      { ip: '10.0.0.5', names: ['web-01.lab.internal', 'web-01'] },
      { ip: '10.0.0.6', names: ['agent7'] },
      { ip: '10.0.0.7', names: ['db'] },
    ]);
  });

  it('a VM with no usable name, or two VMs claiming one name, is an error naming them', () => {
    expect(() => vmHostEntries([vm('my vm', null, '10.0.0.5')])).toThrow(/lab\/my vm has no usable host name/);
    expect(() => vmHostEntries([vm('web', 'web.a.lab', '10.0.0.5'), vm('web2', 'web.b.lab', '10.0.0.6')])).toThrow(/lab\/web and lab\/web2 would both be called "web"/);
  });
});

describe('the preview diff is a unified diff patch(1) applies', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => dir.remove());

  const cases: [string, string][] = [
    ['an empty file', ''],
    ['a file without an Outpost block', '127.0.0.1 localhost\n::1 localhost\n# admin\n10.9.9.9 keep\n'],
    ['a file without a final newline', '127.0.0.1 localhost\n10.9.9.9 keep'],
    [
      'a block in the middle',
      '127.0.0.1 localhost\n1.1.1.1 a\n2.2.2.2 b\n3.3.3.3 c\n# BEGIN outpost-managed entries (do not edit inside this block)\n10.0.0.1 old\n# END outpost-managed entries\n4.4.4.4 d\n5.5.5.5 e\n6.6.6.6 f\n7.7.7.7 g\n',
    ],
  ];
  for (const [what, before] of cases) {
    it(`${what}: patch turns the old file into the new one`, () => {
      const after = mergeHostsFile(before, [{ ip: '10.0.0.2', names: ['new', 'new.lab'] }]);
      const file = join(dir.path, 'hosts');
      writeFileSync(file, before);
      writeFileSync(join(dir.path, 'change.diff'), unifiedDiff(before, after, file));
      const r = spawnSync('patch', ['--quiet', '--forward', file, join(dir.path, 'change.diff')], { encoding: 'utf8' });
      expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
      expect(readFileSync(file, 'utf8')).toBe(after);
    });
  }

  it('no change, no diff', () => {
    const text = mergeHostsFile('', [{ ip: '10.0.0.2', names: ['x'] }]);
    expect(unifiedDiff(text, text, '/etc/hosts')).toBe('');
  });
});
