import { useState } from 'react';
import type { CommandOutput } from '../../../core/contract';
import { recentHosts } from './recent-hosts';

type ConfigHosts = CommandOutput<'sshConfig.hosts'>;

/** A host picked from a shortcut: what fills the form (a recent host brings its credential, a config host its ProxyJump). */
export interface HostShortcut {
  host: string;
  port: number;
  user: string | null;
  credential?: string;
  jumpText?: string;
}

/**
 * A config host's ProxyJump as the jump field's text: a hop that names another config host is
 * written as that host's user@HostName:Port (ssh resolves it the same way); "none" is no jump.
 */
export function configJumpText(proxyJump: readonly string[], configHosts: ConfigHosts): string {
  return proxyJump
    .filter((hop) => hop.toLowerCase() !== 'none')
    .map((hop) => {
      const alias = configHosts.find((c) => c.alias === hop);
      return alias ? `${alias.user ? `${alias.user}@` : ''}${alias.hostName.includes(':') ? `[${alias.hostName}]` : alias.hostName}:${alias.port}` : hop;
    })
    .join(', ');
}

/** Shortcuts above the host field: the hosts opened recently and the operator's ~/.ssh/config hosts (each shown only when there are some). */
export function HostShortcuts({ id, configHosts, onPick }: { id: string; configHosts: ConfigHosts; onPick(h: HostShortcut): void }) {
  const [recent] = useState(recentHosts);
  return (
    <>
      {recent.length > 0 && (
        <div className="field">
          <label htmlFor={`${id}-recent`}>Recent hosts</label>
          <select
            id={`${id}-recent`}
            value=""
            onChange={(e) => {
              const h = recent[Number(e.target.value)];
              if (h) onPick(h);
            }}
          >
            <option value="">Pick a host…</option>
            {recent.map((h, i) => (
              <option key={`${h.host}:${h.port}:${h.user ?? ''}:${h.credential}`} value={i}>
                {h.user ? `${h.user}@` : ''}
                {h.host}:{h.port} ({h.credential})
              </option>
            ))}
          </select>
        </div>
      )}
      {configHosts.length > 0 && (
        <div className="field">
          <label htmlFor={`${id}-config`}>From ~/.ssh/config</label>
          <select
            id={`${id}-config`}
            value=""
            onChange={(e) => {
              const h = configHosts.find((c) => c.alias === e.target.value);
              if (h) onPick({ host: h.hostName, port: h.port, user: h.user, jumpText: configJumpText(h.proxyJump, configHosts) });
            }}
          >
            <option value="">Pick a host…</option>
            {configHosts.map((h) => (
              <option key={h.alias} value={h.alias}>
                {h.alias} ({h.user ? `${h.user}@` : ''}
                {h.hostName}:{h.port})
              </option>
            ))}
          </select>
        </div>
      )}
    </>
  );
}
