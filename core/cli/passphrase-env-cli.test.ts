import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { runOutpost } from '../../test/outpost-binary.js';
import { tempDir } from '../../test/temp-dir.js';

// Loaded before the CLI (NODE_OPTIONS=--import): at each stdout write, say on stderr whether
// OUTPOST_VAULT_PASSPHRASE is still in the CLI's environment.
const probe = `data:text/javascript,${encodeURIComponent(
  `const w = process.stdout.write.bind(process.stdout);
   process.stdout.write = (...a) => { process.stderr.write('passphrase in env: ' + ('OUTPOST_VAULT_PASSPHRASE' in process.env) + '\\n'); return w(...a); };`,
)}`;

describe('CLI: the vault passphrase leaves the environment once read (built binary)', () => {

  it('stores a secret with it, and no longer has it in process.env', async () => {
    const dir = tempDir();
    try {
      const db = join(dir.path, 'outpost.db');
      const env = { OUTPOST_VAULT_PASSPHRASE: 'correct horse battery staple', NODE_OPTIONS: `--import=${probe}` };
      const added = await runOutpost(['--db', db, 'credential', 'add', '--name', 'ops', '--user', 'root', '--password-stdin'], { input: 's3cret\n', env });
      expect(added.stdout).toContain('Credential ops (password, root) saved.');
      expect(added.stderr).toContain('passphrase in env: false');
      expect(added.stderr).not.toContain('passphrase in env: true');
      expect(added.code).toBe(0);
    } finally {
      dir.remove();
    }
  }, 60_000);
});
