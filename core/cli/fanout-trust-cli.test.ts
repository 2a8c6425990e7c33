import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKey, sshdAvailable } from '../../test/peers/openssh-server.js';
import { createJumpLab, type JumpLab } from '../../test/lab/jump-lab.js';
import { tempDir } from '../../test/temp-dir.js';
import { runOutpost as outpost } from '../../test/outpost-binary.js';

const canRun = sshdAvailable() && process.getuid?.() === 0;

type Doc = {
  results: { host: string; exitCode: number | null; stdoutHead: string; error: { code: string; message: string; details?: { fingerprint?: string; expected?: string } } | null }[];
  failed: number;
  trusted: { host: string; port: number; fingerprint: string; source: string }[];
};
type Known = { host: string; port: number; fingerprint: string }[];

// Each test starts the built CLI up to a dozen times, one after another: on a loaded 2-core machine that took past 30 s.
describe.skipIf(!canRun)('outpost fanout: fingerprints in the hosts file and --jump-trust instead of a prior known-hosts trust (built binary, real sshds behind two jump sshds in a namespace)', { timeout: 120_000 }, () => {
  let dir: ReturnType<typeof tempDir>;
  let lab: JumpLab;
  let keyFile: string;
  let n = 0;
  const file = (text: string): string => {
    const path = join(dir.path, `hosts-${++n}.txt`);
    writeFileSync(path, text);
    return path;
  };
  const freshDb = (): string => join(dir.path, `outpost-${++n}.db`);
  const known = async (db: string): Promise<Known> => JSON.parse((await outpost(['--db', db, '--json', 'known-hosts', 'list'])).stdout) as Known;
  const fanout = (db: string, hostsFile: string, extra: string[], { json = true } = {}) =>
    outpost(['--db', db, ...(json ? ['--json'] : []), 'fanout', '--hosts-file', hostsFile, '--user', 'root', '--key', keyFile, '--jump', `root@127.0.0.1:${lab.jumpPort}`, ...extra, '--', 'echo "$SSH_CONNECTION"']);
  const target = (i: number) => lab.targets[i]!;
  const addr = (i: number) => `127.0.0.1:${target(i).port}`;

  beforeAll(async () => {
    dir = tempDir();
    keyFile = join(dir.path, 'id');
    const key = generateKey(keyFile);
    lab = await createJumpLab({ dir: dir.path, authorizedKeys: [key.publicKey], targets: 3, innerJump: { authorizedKeys: [key.publicKey] } });
  });
  afterAll(() => {
    lab?.destroy();
    dir?.remove();
  });

  it('unknown keys are refused without fingerprints; with them matching keys are trusted and recorded, a wrong one fails only its host (nothing sent), the others run', async () => {
    const db = freshDb();
    const plain = file(`${addr(0)}\n${addr(1)}\n${addr(2)}\n`);
    const refused = await fanout(db, plain, []);
    expect(refused.code).toBe(1);
    for (const r of (JSON.parse(refused.stdout) as Doc).results) expect(r.error).toMatchObject({ code: 'HOST_KEY_UNKNOWN', details: { fingerprint: lab.jumpSshd.fingerprint } });
    expect(await known(db)).toEqual([]);

    // Line 3 carries target 2's fingerprint for target 1: that host fails, the others are trusted on the spot and run.
    const hostsFile = file(`# ssh-keygen -lf on each host\n${addr(0)} ${target(0).fingerprint}\n${addr(1)}   ${target(2).fingerprint}  # wrong on purpose\n${addr(2)} ${target(2).fingerprint}\n`);
    const r = await fanout(db, hostsFile, ['--jump-trust', lab.jumpSshd.fingerprint]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as Doc;
    expect(doc.results.map((x) => [x.host, x.exitCode, x.error?.code ?? null])).toEqual([
      [addr(0), 0, null],
      [addr(1), null, 'HOST_KEY_CHANGED'],
      [addr(2), 0, null],
    ]);
    expect(doc.results[0]!.stdoutHead.split(' ')[3]).toBe(String(target(0).port));
    expect(doc.results[1]!.error!.message).toBe(
      `${addr(1)} presented ssh-ed25519 ${target(1).fingerprint}, not ${target(2).fingerprint} as ${hostsFile} line 3 expects. Someone may be intercepting this connection, or the fingerprint given is wrong (check with ssh-keygen -lf on the host). Nothing was sent.`,
    );
    expect(doc.results[1]!.error!.details).toMatchObject({ fingerprint: target(1).fingerprint, expected: target(2).fingerprint });
    // The document says which keys it recorded, and on whose word.
    expect(doc.trusted.map((t) => [t.port, t.fingerprint, t.source]).sort()).toEqual(
      [
        [lab.jumpPort, lab.jumpSshd.fingerprint, '--jump-trust (hop 1)'],
        [target(0).port, target(0).fingerprint, `${hostsFile} line 2`],
        [target(2).port, target(2).fingerprint, `${hostsFile} line 4`],
      ].sort(),
    );
    // Nothing was sent to the mismatching host: it never saw an authentication attempt.
    expect(target(1).log()).not.toMatch(/Accepted publickey|Failed publickey|userauth/);
    expect(target(0).log()).toMatch(/Accepted publickey for root/);
    // Recorded in the store like exec --trust: the bastion and the two matching targets, not the mismatching one.
    const store = await known(db);
    expect(store.map((k) => [k.port, k.fingerprint]).sort()).toEqual(
      [
        [lab.jumpPort, lab.jumpSshd.fingerprint],
        [target(0).port, target(0).fingerprint],
        [target(2).port, target(2).fingerprint],
      ].sort(),
    );

    // Next time no fingerprint is needed for them; target 1 is still unknown.
    const again = JSON.parse((await fanout(db, plain, [])).stdout) as Doc;
    expect(again.results.map((x) => x.error?.code ?? x.exitCode)).toEqual([0, 'HOST_KEY_UNKNOWN', 0]);

    // A fingerprint that does not match is a failure even for a key the store trusts: the operator's word is checked.
    const wrongJump = JSON.parse((await fanout(db, plain, ['--jump-trust', target(0).fingerprint])).stdout) as Doc;
    for (const x of wrongJump.results) {
      expect(x.error?.code).toBe('HOST_KEY_CHANGED');
      expect(x.error?.message).toContain(`Jump host root@127.0.0.1:${lab.jumpPort}: 127.0.0.1:${lab.jumpPort} presented ssh-ed25519 ${lab.jumpSshd.fingerprint}, not ${target(0).fingerprint} as --jump-trust (hop 1) expects.`);
    }
    // A key the store trusts differently stays a hard stop, whatever the file says.
    expect((await outpost(['--db', db, 'known-hosts', 'trust', '--host', addr(1), '--fingerprint', target(2).fingerprint])).code).toBe(0);
    const changed = JSON.parse((await fanout(db, file(`${addr(1)} ${target(1).fingerprint}\n`), [])).stdout) as Doc;
    expect(changed.results[0]!.error?.code).toBe('HOST_KEY_CHANGED');
    expect(changed.results[0]!.error?.message).toMatch(/has CHANGED/);
  });

  it('--jump-trust takes one fingerprint per hop, in order: a two-hop chain never seen before runs, and both hops are recorded', async () => {
    const db = freshDb();
    const inner = lab.innerJumpSshd!;
    const hostsFile = file(`${addr(0)} ${target(0).fingerprint}\n${addr(2)} ${target(2).fingerprint}\n`);
    const chain = ['--jump', `root@127.0.0.1:${inner.port}`];
    // The trust for the first hop only: the inner hop is unknown, and the count is refused before anything runs.
    const short = await fanout(db, hostsFile, [...chain, '--jump-trust', lab.jumpSshd.fingerprint], { json: false });
    expect(short.code).toBe(2);
    expect(short.stderr.trim()).toBe('outpost: --jump-trust: 1 fingerprint(s) for 2 jump host(s); give one per hop, in order. [VALIDATION]');
    // In the wrong order: each hop fails on the first one checked, the bastion.
    const swapped = JSON.parse((await fanout(db, hostsFile, [...chain, '--jump-trust', inner.fingerprint, '--jump-trust', lab.jumpSshd.fingerprint])).stdout) as Doc;
    for (const x of swapped.results) expect(x.error?.message).toContain(`not ${inner.fingerprint} as --jump-trust (hop 1) expects`);
    expect(await known(db)).toEqual([]);

    const r = await fanout(db, hostsFile, [...chain, '--jump-trust', lab.jumpSshd.fingerprint, '--jump-trust', inner.fingerprint]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as Doc & { jump: string };
    expect(doc.jump).toBe(`root@127.0.0.1:${lab.jumpPort} -> root@127.0.0.1:${inner.port}`);
    expect(doc.results.map((x) => [x.exitCode, x.stdoutHead.split(' ')[3]])).toEqual([
      [0, String(target(0).port)],
      [0, String(target(2).port)],
    ]);
    // Really through the inner hop: it forwarded to each target.
    for (const i of [0, 2]) expect(inner.log()).toContain(`connected to 127.0.0.1 port ${target(i).port}`);
    expect((await known(db)).map((k) => k.port).sort()).toEqual([lab.jumpPort, inner.port, target(0).port, target(2).port].sort());

    // Text output: the rows, then a line per key it recorded, then the summary.
    const text = await fanout(freshDb(), hostsFile, [...chain, '--jump-trust', lab.jumpSshd.fingerprint, '--jump-trust', inner.fingerprint], { json: false });
    expect(text.code).toBe(0);
    const lines = text.lines.map((l) => l.text);
    expect(lines.slice(4, 8).sort()).toEqual(
      [
        `Trusted ssh-ed25519 ${lab.jumpSshd.fingerprint} for 127.0.0.1:${lab.jumpPort} (--jump-trust (hop 1)).`,
        `Trusted ssh-ed25519 ${inner.fingerprint} for 127.0.0.1:${inner.port} (--jump-trust (hop 2)).`,
        `Trusted ssh-ed25519 ${target(0).fingerprint} for ${addr(0)} (${hostsFile} line 1).`,
        `Trusted ssh-ed25519 ${target(2).fingerprint} for ${addr(2)} (${hostsFile} line 2).`,
      ].sort(),
    );
    // One shared connection per hop of the chain: the bastion, and the inner jump host over it.
    expect(lines.at(-1)).toMatch(/^2\/2 hosts exited 0 in \d+ ms \(2 connection\(s\) to the jump host\)\.$/);
  });

  it('every argument and hosts-file line is checked first: one clear error naming the line, exit 2, nothing run', async () => {
    const db = freshDb();
    const fp = target(0).fingerprint;
    const cases: [string[], string, string][] = [
      [[], `${addr(0)}\n\n${addr(1)} SHA256:tooShort\n`, 'line 3: "SHA256:tooShort" is not a host key fingerprint; give it as ssh-keygen -lf prints it (SHA256: and 43 base64 characters).'],
      [[], `${addr(0)} ${fp} extra\n`, 'line 1: expected host[:port] and an optional fingerprint (SHA256:...), got 3 fields.'],
      [[], `# fine\n${addr(0)}\n127.0.0.1:99999\n`, 'line 3: "127.0.0.1:99999" has a port outside 1-65535.'],
      [[], `${addr(0)} ${fp}\n${addr(0)} ${target(1).fingerprint}\n`, `line 2: ${addr(0)} is given ${target(1).fingerprint}, but line 1 gives it ${fp}.`],
      [[], `b@d!user@${addr(0)}\n`, 'line 1: "b@d!user@127.0.0.1'],
      [[], '# only comments\n\n', 'lists no hosts.'],
      [['--user', 'root user'], `${addr(0)}\n`, '--user "root user" is not a user name'],
      [['--jump-trust', 'SHA256:nope'], `${addr(0)}\n`, '--jump-trust SHA256:nope is not a fingerprint; give it as ssh-keygen -lf prints it (SHA256: and 43 base64 characters).'],
      [['--jump-trust', fp, '--jump-trust', fp], `${addr(0)}\n`, '--jump-trust: 2 fingerprint(s) for 1 jump host(s); give one per hop, in order.'],
      [['--jump-trust', lab.jumpSshd.fingerprint], `127.0.0.1:${lab.jumpPort} ${fp}\n`, `line 1: 127.0.0.1:${lab.jumpPort} is given ${fp}, but --jump-trust (hop 1) gives it ${lab.jumpSshd.fingerprint}.`],
    ];
    const before = lab.jumpConnections();
    for (const [extra, text, message] of cases) {
      const hostsFile = file(text);
      const r = await fanout(db, hostsFile, extra, { json: false });
      expect(r.code, message).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(message.startsWith('line') ? `outpost: ${hostsFile} ${message}` : message);
    }
    // Without --jump, --jump-trust has nothing to apply to.
    const noJump = await outpost(['--db', db, 'fanout', '--hosts-file', file(`${addr(0)}\n`), '--user', 'root', '--key', keyFile, '--jump-trust', fp, '--', 'true']);
    expect([noJump.code, noJump.stderr.trim()]).toEqual([2, 'outpost: --jump-trust needs --jump: give one fingerprint per jump host, in order. [VALIDATION]']);
    // Nothing ran and nothing was recorded.
    expect(lab.jumpConnections()).toBe(before);
    expect(await known(db)).toEqual([]);
  });

  it('the help says how to give fingerprints', async () => {
    const help = await outpost(['fanout', '--help']);
    expect(help.stdout).toContain('--jump-trust <SHA256:...>');
    expect(help.stdout).toMatch(/followed by its host key fingerprint/);
  });
});
