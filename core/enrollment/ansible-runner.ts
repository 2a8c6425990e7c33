import { execFile, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { OutpostError } from '../contract/errors.js';
import { childEnv } from '../exec/child-env.js';
import { withKeyInAgent } from '../ssh/key-agent.js';
import { keyFingerprint } from '../ssh/trusted-key-scan.js';
import type { GuestEndpoint } from './guest-shell.js';
import { defaultRulesPath } from './os-rules.js';

export interface PlaybookRun {
  endpoint: GuestEndpoint;
  /** The guest host key fingerprint learned on first contact; ansible's ssh must see exactly this key. */
  hostKey: string;
  vars: Record<string, unknown>;
  signal?: AbortSignal;
  onLine(line: string): void;
  playbook?: string;
}

/** The host's keys (ssh-keyscan), keeping only the one whose fingerprint enrollment already trusts. */
function pinnedKnownHosts(host: string, port: number, fingerprint: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('ssh-keyscan', ['-T', '5', '-p', String(port), host], { env: childEnv(), timeout: 15_000 }, (err, stdout) => {
      const lines = stdout
        .split('\n')
        .filter((l) => l && !l.startsWith('#'))
        .filter((l) => keyFingerprint(l.split(' ')[2] ?? '') === fingerprint);
      if (lines.length > 0) resolve(`${lines.join('\n')}\n`);
      else reject(new OutpostError(err ? 'UNREACHABLE' : 'HOST_KEY_CHANGED', err ? `ssh-keyscan of ${host}:${port} failed: ${err.message}` : `${host}:${port} no longer presents the host key enrollment trusted (${fingerprint}).`, { host, port }));
    });
  });
}

/**
 * Runs `resources/enrollment/enroll.yml` against one guest with ansible-playbook: argv only, a
 * minimal environment, the key in a private ssh-agent (never a file), a private temp folder
 * holding a known_hosts with only the pinned key (strict checking), output streamed line by
 * line; the folder and the agent are gone afterwards.
 */
export async function runEnrollPlaybook(run: PlaybookRun): Promise<void> {
  const { endpoint } = run;
  if (endpoint.auth.type !== 'private-key' || endpoint.auth.passphrase) throw new OutpostError('VALIDATION', 'Ansible OS actions need a private-key credential without a passphrase.');
  const knownHostLines = await pinnedKnownHosts(endpoint.host, endpoint.port, run.hostKey);
  await withKeyInAgent(endpoint.auth.privateKey, async ({ dir, env: agentEnv, identityFile }) => {
    const knownHosts = join(dir, 'known_hosts');
    writeFileSync(knownHosts, knownHostLines, { mode: 0o600 });
    const vars = join(dir, 'vars.json');
    writeFileSync(vars, JSON.stringify({ ...run.vars, ansible_user: endpoint.user, ansible_port: endpoint.port, ansible_become: endpoint.sudo === true }), { mode: 0o600 });
    const playbook = run.playbook ?? join(dirname(defaultRulesPath()), 'enroll.yml');
    const argv = ['-i', `${endpoint.host},`, playbook, '-e', `@${vars}`];
    const settings = {
      ...agentEnv,
      HOME: dir,
      ANSIBLE_HOME: dir,
      ANSIBLE_LOCAL_TEMP: join(dir, 'tmp'),
      ANSIBLE_NOCOLOR: '1',
      ANSIBLE_RETRY_FILES_ENABLED: 'False',
      ANSIBLE_HOST_KEY_CHECKING: 'True',
      ANSIBLE_PYTHON_INTERPRETER: 'auto_silent',
      ANSIBLE_PIPELINING: 'True',
      // The agent's key only (IdentityFile names its public half). One SSH connection for the whole play, closed 2 s after it.
      ANSIBLE_SSH_ARGS: `-o UserKnownHostsFile=${knownHosts} -o StrictHostKeyChecking=yes -o IdentityFile=${identityFile} -o IdentitiesOnly=yes -o ControlMaster=auto -o ControlPersist=2s -o ControlPath=${join(dir, 'cm-%C')}`,
    };
    const child = spawn('ansible-playbook', argv, { env: childEnv(settings), stdio: ['ignore', 'pipe', 'pipe'], ...(run.signal ? { signal: run.signal } : {}) });
    const tail: string[] = [];
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        if (!line.trim()) return;
        run.onLine(line);
        tail.push(line);
        if (tail.length > 5) tail.shift();
      });
    }
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', (err) => reject(new OutpostError('INTERNAL', `ansible-playbook could not run: ${err.message}`)));
      child.once('close', (c) => resolve(c));
    });
    if (code !== 0) throw new OutpostError('INTERNAL', `ansible-playbook failed (exit ${code ?? 'signal'}) on ${endpoint.host}: ${tail.join(' | ')}`, { exitCode: code });
  });
}
