import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKey, sshdAvailable } from '../../test/peers/openssh-server.js';
import { createJumpLab, type JumpLab } from '../../test/lab/jump-lab.js';
import { tempDir } from '../../test/temp-dir.js';
import { runOutpost } from '../../test/outpost-binary.js';

const canRun = sshdAvailable() && process.getuid?.() === 0;

const outpost = runOutpost;

describe.skipIf(!canRun)('outpost fanout --jump and its live output (built binary, real sshd behind a jump sshd in a namespace)', () => {
  let dir: ReturnType<typeof tempDir>;
  let lab: JumpLab;
  let db: string;
  let keyFile: string;
  let hostsFile: string;

  beforeAll(async () => {
    dir = tempDir();
    keyFile = join(dir.path, 'id');
    const key = generateKey(keyFile);
    lab = await createJumpLab({ dir: dir.path, authorizedKeys: [key.publicKey], targets: 3 });
    db = join(dir.path, 'outpost.db');
    hostsFile = join(dir.path, 'hosts.txt');
    writeFileSync(hostsFile, `# behind the bastion\n${lab.targets.map((t) => `127.0.0.1:${t.port}`).join('\n')}\n`);
    // Vouch for every key once (outpost exec --trust records them in the store fanout reads).
    for (const t of lab.targets) {
      const r = await outpost(['--db', db, 'exec', '--host', `127.0.0.1:${t.port}`, '--user', 'root', '--key', keyFile, '--jump', `root@127.0.0.1:${lab.jumpPort}`, '--trust', lab.jumpSshd.fingerprint, '--trust', t.fingerprint, '--', 'true']);
      expect(r.code).toBe(0);
    }
  });
  afterAll(() => {
    lab?.destroy();
    dir?.remove();
  });

  it('without --jump the targets are unreachable; with it they run, over one bastion connection; --json is one document naming the jump', async () => {
    const direct = await outpost(['--db', db, '--json', 'fanout', '--hosts-file', hostsFile, '--user', 'root', '--key', keyFile, '--', 'true']);
    expect(direct.code).toBe(1);
    expect((JSON.parse(direct.stdout) as { results: { error: { code: string } | null }[] }).results.map((r) => r.error?.code)).toEqual(['UNREACHABLE', 'UNREACHABLE', 'UNREACHABLE']);

    const before = lab.jumpConnections();
    const r = await outpost(['--db', db, '--json', 'fanout', '--hosts-file', hostsFile, '--user', 'root', '--key', keyFile, '--jump', `127.0.0.1:${lab.jumpPort}`, '--concurrency', '3', '--', 'echo', '"$SSH_CONNECTION"']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { results: { host: string; exitCode: number; stdoutHead: string; jump: string }[]; failed: number; jump: string; jumpConnections: number };
    const via = `root@127.0.0.1:${lab.jumpPort}`;
    expect(doc).toMatchObject({ failed: 0, jump: via, jumpConnections: 1 });
    expect(doc.results.map((x) => [x.host, x.exitCode, x.stdoutHead.split(' ')[3], x.jump])).toEqual(lab.targets.map((t) => [`127.0.0.1:${t.port}`, 0, String(t.port), via]));
    expect(lab.jumpConnections() - before).toBe(1);
    console.log(`outpost fanout --jump to ${doc.results.length} targets: ${lab.jumpConnections() - before} bastion connection(s)`);
  });

  it('text output is live: each host\'s line is printed as it finishes (completion order, aligned columns), then the summary', async () => {
    const [a, b, c] = lab.targets as [JumpLab['targets'][0], JumpLab['targets'][0], JumpLab['targets'][0]];
    // a finishes last, c first, b in between (by the port the connection arrived on).
    const command = `p=$(echo "$SSH_CONNECTION" | cut -d" " -f4); [ "$p" = ${a.port} ] && sleep 2.4; [ "$p" = ${b.port} ] && sleep 1.2; echo "done-$p"; [ "$p" = ${b.port} ] && exit 4; exit 0`;
    const r = await outpost(['--db', db, 'fanout', '--hosts-file', hostsFile, '--user', 'root', '--key', keyFile, '--jump', `root@127.0.0.1:${lab.jumpPort}`, '--concurrency', '3', '--', command]);
    expect(r.code).toBe(1);
    const texts = r.lines.map((l) => l.text);
    expect(texts[0]).toBe(`Through root@127.0.0.1:${lab.jumpPort}`);
    expect(texts[1]).toMatch(/^HOST\s+EXIT\s+MS\s+OUTPUT$/);
    const rows = r.lines.slice(2, 5);
    expect(rows.map((l) => l.text.split(/\s+/)[0])).toEqual([c, b, a].map((t) => `127.0.0.1:${t.port}`));
    expect(rows.map((l) => l.text.split(/\s+/)[1])).toEqual(['0', '4', '0']);
    expect(rows.map((l) => l.text.split(/\s+/).at(-1))).toEqual([c, b, a].map((t) => `done-${t.port}`));
    // Columns line up (sized before the first host finished).
    const outputAt = texts[1]!.indexOf('OUTPUT');
    for (const l of rows) expect(l.text.indexOf('done-')).toBe(outputAt);
    // Live: the first host's line arrived well before the last one and the summary.
    const summary = r.lines[5]!;
    expect(summary.text).toMatch(/^2\/3 hosts exited 0 in \d+ ms \(1 connection\(s\) to the jump host\)\.$/);
    expect(summary.at - rows[0]!.at).toBeGreaterThan(1500);
    expect(rows[1]!.at - rows[0]!.at).toBeGreaterThan(600);
  });

  it('a bad --jump is a usage error; a jump host that refuses the key names it on every row', async () => {
    const bad = await outpost(['--db', db, 'fanout', '--hosts-file', hostsFile, '--user', 'root', '--key', keyFile, '--jump', `root@127.0.0.1:${lab.jumpPort}`, '--jump', 'root@127.0.0.1:99999', '--', 'true']);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toContain('--jump: "root@127.0.0.1:99999" is not [user@]host[:port]');
    const otherKey = join(dir.path, 'other');
    generateKey(otherKey);
    const refused = await outpost(['--db', db, '--json', 'fanout', '--hosts-file', hostsFile, '--user', 'root', '--key', otherKey, '--jump', `root@127.0.0.1:${lab.jumpPort}`, '--', 'true']);
    const doc = JSON.parse(refused.stdout) as { results: { error: { code: string; message: string } }[]; jumpConnections: number };
    for (const x of doc.results) {
      expect(x.error.code).toBe('SSH_AUTH');
      expect(x.error.message).toContain(`Jump host root@127.0.0.1:${lab.jumpPort}`);
    }
    expect(doc.jumpConnections).toBe(1);
  });
});
