import { OutpostError } from '../contract/errors.js';

/**
 * The environment every program Outpost starts gets (ip, iptables, ansible-playbook, ssh-keyscan,
 * ssh-agent, RDP clients, ...): a short allow-list, never the parent's whole environment. The
 * parent holds OUTPOST_VAULT_PASSPHRASE, PGPASSWORD, the operator's SSH_AUTH_SOCK and whatever
 * else the shell exported; a child needs none of them, and any child can leak what it gets (a
 * crash report, `ps e`, a playbook's `lookup('env')`). The lint rule `outpost/child-env` makes
 * every child_process call in core/ and electron/ pass `env: childEnv(...)`.
 */
const BASE_NAMES = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TZ', 'TMPDIR'] as const;

/** What programs on Windows fail without (mstsc.exe, pkexec's equivalents, ssh.exe). */
const WINDOWS_NAMES = ['SystemRoot', 'SYSTEMROOT', 'windir', 'ComSpec', 'PATHEXT', 'TEMP', 'TMP', 'USERPROFILE', 'APPDATA', 'LOCALAPPDATA'] as const;

/** What a program with a window (an RDP client) needs to find the operator's desktop session. */
export const DESKTOP_SESSION_NAMES = ['DISPLAY', 'WAYLAND_DISPLAY', 'XAUTHORITY', 'XDG_RUNTIME_DIR', 'XDG_SESSION_TYPE', 'XDG_CURRENT_DESKTOP', 'DBUS_SESSION_BUS_ADDRESS'] as const;

/** Names that carry secrets by their look; childEnv refuses to pass any of them on, whoever asks. */
const SECRET_NAME = /PASS|SECRET|TOKEN|CREDENTIAL|PRIVATE|^OUTPOST_VAULT/i;

export interface ChildEnvOptions {
  /** Further names to copy from this process's environment when set (e.g. DESKTOP_SESSION_NAMES). */
  inherit?: readonly string[];
  /** The parent's environment (tests); process.env by default. */
  from?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
}

/**
 * A child's whole environment: PATH, HOME, LANG (and the locale/timezone/temp names, plus what
 * Windows needs), the names in `inherit`, then `set` on top (a value of undefined removes a name).
 * Throws when asked to pass a name that looks like a secret: a child that needs a secret gets it
 * on stdin or through an agent socket, never in its environment.
 */
export function childEnv(set: Record<string, string | undefined> = {}, options: ChildEnvOptions = {}): NodeJS.ProcessEnv {
  const from = options.from ?? process.env;
  const platform = options.platform ?? process.platform;
  const names = [...BASE_NAMES, ...(platform === 'win32' ? WINDOWS_NAMES : []), ...(options.inherit ?? [])];
  const refused = [...(options.inherit ?? []), ...Object.keys(set)].filter((name) => SECRET_NAME.test(name));
  if (refused.length > 0) throw new OutpostError('INTERNAL', `Refusing to pass ${refused.join(', ')} to a child process: secrets go on stdin or through an agent, never in a child's environment.`);
  const env: NodeJS.ProcessEnv = {};
  for (const name of names) {
    const value = from[name];
    if (value !== undefined) env[name] = value;
  }
  if (env.PATH === undefined) env.PATH = platform === 'win32' ? 'C:\\Windows\\system32;C:\\Windows' : '/usr/local/bin:/usr/bin:/bin';
  for (const [name, value] of Object.entries(set)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}
