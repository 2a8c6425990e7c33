import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { childEnv, DESKTOP_SESSION_NAMES } from '../exec/child-env.js';
import { findOnPath } from '../exec/on-path.js';

/** A Remote Desktop connection file (the settings mstsc, xfreerdp and Remmina all read). */
export function rdpFileText(o: { address: string; port: number; username?: string | undefined }): string {
  const host = o.address.includes(':') ? `[${o.address}]` : o.address;
  return [
    `full address:s:${host}:${o.port}`,
    ...(o.username ? [`username:s:${o.username}`] : []),
    'prompt for credentials:i:1',
    'authentication level:i:2',
    'screen mode id:i:1',
    'use multimon:i:0',
    'redirectclipboard:i:1',
    'audiomode:i:2',
    '',
  ].join('\r\n');
}

export function writeRdpFile(dir: string, name: string, text: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, `${name.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 100) || 'vm'}.rdp`);
  writeFileSync(path, text, { mode: 0o600 });
  return path;
}

/** The system's RDP client for a .rdp file, as argv (never a shell string); null when none is installed. */
export function rdpClientFor(path: string, platform = process.platform, envPath?: string): { program: string; args: string[] } | null {
  if (platform === 'win32') return { program: 'mstsc.exe', args: [path] };
  if (platform === 'darwin') return { program: '/usr/bin/open', args: [path] };
  const candidates: [string, string[]][] = [
    ['xfreerdp3', [path]],
    ['xfreerdp', [path]],
    ['remmina', ['-c', path]],
  ];
  for (const [name, args] of candidates) {
    const program = findOnPath(name, envPath);
    if (program) return { program, args };
  }
  return null;
}

/**
 * Starts the client detached: it outlives neither Outpost's event loop nor holds its stdio. Its
 * environment is the minimal one plus what a windowed program needs to reach the desktop session.
 */
export function launchDetached(command: { program: string; args: string[] }): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command.program, command.args, { env: childEnv({}, { inherit: DESKTOP_SESSION_NAMES }), detached: true, stdio: 'ignore', shell: false });
    child.once('error', reject);
    child.once('spawn', () => {
      child.unref();
      resolve();
    });
  });
}
