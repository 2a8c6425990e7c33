import { describe, expect, it } from 'vitest';
import { runOutpost } from '../../test/outpost-binary.js';

// Loaded before the CLI (NODE_OPTIONS=--import): at exit, print on stderr the npm packages the
// process loaded through CommonJS (node-forge, yaml, ssh2, better-sqlite3 all are).
const probe = `data:text/javascript,${encodeURIComponent(
  `import { createRequire } from 'node:module';
   const require = createRequire('/');
   process.on('exit', () => {
     const names = new Set(Object.keys(require.cache).map((f) => /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(f)?.[1]).filter(Boolean));
     process.stderr.write('packages: ' + [...names].sort().join(' ') + '\\n');
   });`,
)}`;

const packagesOf = (stderr: string): string[] => /packages: (.*)/.exec(stderr)?.[1]?.split(' ') ?? [];

/**
 * `outpost exec` (and --version) start without the rest of the CLI: start-up is most of a short
 * exec's cost, and the full CLI loads the contract schemas, certificates (node-forge), YAML, the
 * vSphere client... Which packages a run loads says which program ran.
 */
describe('outpost exec and --version load only what they need (built binary)', () => {
  const env = { NODE_OPTIONS: `--import=${probe}` };

  it('the full CLI loads node-forge and yaml (so the probe sees them)', async () => {
    const r = await runOutpost(['--help'], { env });
    expect(r.code).toBe(0);
    expect(packagesOf(r.stderr)).toEqual(expect.arrayContaining(['node-forge', 'yaml']));
  });

  it('exec and --version do not; exec still parses and checks its input as before', async () => {
    for (const args of [['exec', '--help'], ['--version'], ['--db', '/nonexistent/dir/o.db', 'exec', '--host', '127.0.0.1:1', '--user', 'root', '--key', '/nonexistent/key', '--', 'true']]) {
      const r = await runOutpost(args, { env });
      const loaded = packagesOf(r.stderr);
      expect(loaded, args.join(' ')).not.toContain('node-forge');
      expect(loaded, args.join(' ')).not.toContain('yaml');
    }
    const bad = await runOutpost(['exec', '--host', '127.0.0.1:1', '--user', 'root', '--key', '/nonexistent/key', '--', 'true'], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^outpost: Cannot read key file \/nonexistent\/key \(ENOENT\)\. \[VALIDATION\]$/m);
    expect((await runOutpost(['exec', '--help'])).stdout).toContain('Usage: outpost exec [options] <command...>');
  });
});
