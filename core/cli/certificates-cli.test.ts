import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runOutpost } from '../../test/outpost-binary.js';
import { tempDir } from '../../test/temp-dir.js';

const dir = tempDir('outpost-cert-cli-');
const f = (name: string): string => join(dir.path, name);
const outpost = (...args: string[]) => runOutpost(['--db', f('o.db'), ...args]);
const fingerprint = (file: string): string =>
  execFileSync('openssl', ['x509', '-noout', '-fingerprint', '-sha256', '-in', file], { encoding: 'utf8' }).trim().split('=')[1]!;

beforeAll(() => {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '365', '-subj', '/CN=Site CA', '-addext', 'basicConstraints=critical,CA:TRUE');
  openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', f('leaf.key'), '-out', f('leaf.csr'), '-subj', '/CN=vc.site.test');
  openssl('x509', '-req', '-in', f('leaf.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('leaf.pem'), '-days', '30');
});
afterAll(() => dir.remove());

describe("outpost cert import/list/export/remove (Outpost's trust store; openssl-made certificates)", () => {
  it('imports a CA once, refuses a leaf, exports to a bundle once, and removes it', async () => {
    const fp = fingerprint(f('ca.pem'));
    expect((await outpost('cert', 'import', f('ca.pem'))).stdout).toContain(`trusted  CN=Site CA  ${fp}`);
    expect((await outpost('cert', 'import', f('ca.pem'))).stdout).toContain('already');
    const leaf = await outpost('cert', 'import', f('leaf.pem'));
    expect(leaf.code).toBe(2);
    expect(leaf.stderr).toMatch(/Not a CA: CN=vc.site.test.*\[CERT_INVALID\]/);
    expect(JSON.parse((await outpost('--json', 'cert', 'list')).stdout)).toEqual([expect.objectContaining({ subject: 'CN=Site CA', fingerprint256: fp })]);

    writeFileSync(f('bundle.crt'), '# the system bundle\n');
    expect((await outpost('cert', 'export', '--bundle', f('bundle.crt'))).stdout).toContain('Appended 1 CA(s)');
    expect((await outpost('cert', 'export', '--bundle', f('bundle.crt'))).stdout).toContain('Appended 0 CA(s)');
    expect(readFileSync(f('bundle.crt'), 'utf8').match(/BEGIN CERTIFICATE/g)).toHaveLength(1);
    expect((await outpost('cert', 'export')).code).toBe(2);

    expect((await outpost('cert', 'remove', fp.toLowerCase())).stdout).toContain(`Removed ${fp}`);
    expect(JSON.parse((await outpost('--json', 'cert', 'list')).stdout)).toEqual([]);
    expect((await outpost('cert', 'remove', fp)).code).toBe(1);
    const audit = JSON.parse((await outpost('--json', 'audit', 'list')).stdout) as { entries: { action: string }[] };
    expect(audit.entries.map((e) => e.action)).toEqual(expect.arrayContaining(['trust.import', 'trust.remove']));
  });
});
