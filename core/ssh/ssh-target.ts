/** How Outpost authenticates to an SSH server. Secrets live here only in memory, never in logs. */
export type SshAuth =
  | { type: 'password'; password: string }
  | { type: 'private-key'; privateKey: string | Buffer; passphrase?: string }
  /** Answers every keyboard-interactive prompt with this password (servers that ask "Password:" that way). */
  | { type: 'keyboard-interactive'; password: string }
  /** ssh-agent on this socket (default: $SSH_AUTH_SOCK). */
  | { type: 'agent'; socket?: string };

export interface SshEndpoint {
  host: string;
  port: number;
  user: string;
  auth: SshAuth;
}

/** A server to reach, optionally through jump hosts (first jump first, as ProxyJump lists them). */
export interface SshTarget extends SshEndpoint {
  jumps?: SshEndpoint[];
}

export const endpointLabel = (e: { user: string; host: string; port: number }): string =>
  `${e.user}@${e.host.includes(':') ? `[${e.host}]` : e.host}:${e.port}`;

export const targetLabel = (t: SshTarget): string => [...(t.jumps ?? []), t].map(endpointLabel).join(' -> ');
