import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './temp-dir.js';

const script = join(import.meta.dirname, '..', 'scripts', 'audit-offline.mjs');

/** scripts/audit-offline.mjs (npm run audit:offline) on a small lockfile and snapshot; no network. */
describe('offline dependency audit', () => {
  let dir: ReturnType<typeof tempDir>;
  const lock = (versions: Record<string, string>) =>
    writeFileSync(
      join(dir.path, 'package-lock.json'),
      JSON.stringify({
        lockfileVersion: 3,
        packages: {
          '': { name: 'app' },
          'node_modules/ws': { version: versions.ws },
          'node_modules/@scope/lib': { version: '3.0.0' },
          'node_modules/vitest': { version: '3.0.0', dev: true },
          'node_modules/fsevents': { version: '2.3.3', devOptional: true },
        },
      }),
    );
  const snapshot = (value: unknown) => writeFileSync(join(dir.path, 'snapshot.json'), JSON.stringify(value));
  const check = () => {
    const r = spawnSync(process.execPath, [script, '--lock', join(dir.path, 'package-lock.json'), '--snapshot', join(dir.path, 'snapshot.json')], { encoding: 'utf8' });
    return { code: r.status, out: r.stdout + r.stderr };
  };
  const advisory = { package: 'ws', severity: 'high', title: 'DoS when handling a request with many HTTP headers', url: 'https://github.com/advisories/GHSA-3h5v-q93c-6h6q', range: '>=8.0.0 <8.17.1' };
  beforeEach(() => (dir = tempDir()));
  afterEach(() => dir.remove());

  it('passes when the runtime packages are exactly the audited set and nothing open was found', () => {
    lock({ ws: '8.18.0' });
    snapshot({ refreshedAt: '2026-12-01T00:00:00Z', findings: [], accepted: {}, runtimePackages: ['@scope/lib@3.0.0', 'ws@8.18.0'] });
    const r = check();
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/2 runtime packages; last audited 2026-12-01T00:00:00Z/);
  });

  it('fails on a runtime package the last audit did not see (dev packages do not count)', () => {
    lock({ ws: '8.17.0' });
    snapshot({ refreshedAt: '2026-12-01T00:00:00Z', findings: [], accepted: {}, runtimePackages: ['@scope/lib@3.0.0', 'ws@8.18.0'] });
    const r = check();
    expect(r.code).toBe(1);
    expect(r.out).toContain('were not in the last audit: ws@8.17.0');
    expect(r.out).not.toContain('vitest');
  });

  it('fails on an advisory found at the last refresh unless it is accepted with a reason', () => {
    lock({ ws: '8.17.0' });
    snapshot({ refreshedAt: '2026-12-01T00:00:00Z', findings: [advisory], accepted: {}, runtimePackages: ['@scope/lib@3.0.0', 'ws@8.17.0'] });
    const r = check();
    expect(r.code).toBe(1);
    expect(r.out).toContain('high ws >=8.0.0 <8.17.1: DoS when handling a request with many HTTP headers');
    snapshot({ refreshedAt: '2026-12-01T00:00:00Z', findings: [advisory], accepted: { [advisory.url]: 'the host serves loopback only' }, runtimePackages: ['@scope/lib@3.0.0', 'ws@8.17.0'] });
    expect(check().code).toBe(0);
  });

  it('fails with the refresh command when there is no snapshot', () => {
    lock({ ws: '8.18.0' });
    const r = check();
    expect(r.code).toBe(1);
    expect(r.out).toContain('npm run audit:refresh');
  });
});
