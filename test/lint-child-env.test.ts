import { describe, expect, it } from 'vitest';
import { ESLint } from 'eslint';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const eslint = new ESLint({ cwd: root });

/** Lints source text as if it were the named file, with the project's real config. */
async function childEnvErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, filePath) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'outpost/child-env').map((m) => m.message);
}

const imports = "import { execFile, execFileSync, spawn, spawnSync } from 'node:child_process';\nimport { childEnv } from '../exec/child-env.js';\n";

describe('child environments (eslint outpost/child-env)', () => {
  it('fails a child_process call in core/ that passes no env, or an env that is not childEnv(...)', async () => {
    const code = [
      imports,
      "export const a = () => spawn('ip', ['addr']);",
      "export const b = () => spawnSync('iptables', ['-S'], { encoding: 'utf8' });",
      "export const c = () => execFile('ssh-keyscan', ['host'], { env: process.env }, () => undefined);",
      "export const d = () => execFileSync('ansible-playbook', [], { env: { ...process.env, ANSIBLE_NOCOLOR: '1' } });",
      'export const e = (o: object) => spawn(\'x\', [], o);',
    ].join('\n');
    const errors = await childEnvErrors('core/nat/bad-fixture.ts', code);
    expect(errors).toHaveLength(5);
    expect(errors[0]).toContain('spawn() must pass an options object with `env: childEnv({...})`');
  });

  it('fails namespace calls, child_process functions passed on, and require() in electron/ too', async () => {
    const code = [
      "import * as cp from 'node:child_process';",
      "import { execFile } from 'child_process';",
      "import { promisify } from 'node:util';",
      "export const a = () => cp.exec('ls');",
      'export const run = promisify(execFile);',
      'export const { spawn } = cp;',
      "export const r = () => require('node:child_process');",
    ].join('\n');
    expect(await childEnvErrors('electron/bad-fixture.ts', code)).toHaveLength(4);
  });

  it('allows calls with env: childEnv(...), and leaves tests and scripts alone', async () => {
    const code = [
      imports,
      "export const a = () => spawn('ip', ['addr'], { env: childEnv(), stdio: 'ignore' });",
      "export const b = () => spawnSync('ssh-keygen', ['-lf', '-'], { env: childEnv({ LANG: 'C' }), input: 'x' });",
      "export const c = () => execFile('ssh-keyscan', ['host'], { env: childEnv(), timeout: 5 }, () => undefined);",
    ].join('\n');
    expect(await childEnvErrors('core/nat/good-fixture.ts', code)).toEqual([]);
    const bare = "import { spawn } from 'node:child_process';\nexport const a = () => spawn('sshd', []);\n";
    expect(await childEnvErrors('core/nat/some.test.ts', bare)).toEqual([]);
    expect(await childEnvErrors('scripts/tool.ts', bare)).toEqual([]);
  });

  it('every child_process call in core/ and electron/ passes the rule today', async () => {
    // Only the files that mention child_process (the full tree is linted by `npm run lint`).
    const files = ['core', 'electron']
      .flatMap((top) => readdirSync(join(root, top), { recursive: true, encoding: 'utf8' }).map((rel) => join(root, top, rel)))
      .filter((f) => /\.tsx?$/.test(f) && !/\.test\.tsx?$/.test(f) && readFileSync(f, 'utf8').includes('child_process'));
    expect(files.length).toBeGreaterThan(3);
    const results = await eslint.lintFiles(files);
    const offending = results.flatMap((r) => r.messages.filter((m) => m.ruleId === 'outpost/child-env').map((m) => `${r.filePath}:${m.line} ${m.message}`));
    expect(offending).toEqual([]);
  }, 120_000);
});
