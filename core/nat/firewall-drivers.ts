import type { FirewallConnection, FirewallDriverKind, FirewallView } from '../contract/nat.js';
import { OutpostError } from '../contract/errors.js';
import { LocalCommandRunner, type CommandRunner } from '../exec/command-runner.js';
import type { FirewallDriver } from './firewall-driver.js';
import { LinuxIptablesDriver } from './drivers/linux-iptables.js';
import { LinuxNftDriver } from './drivers/linux-nft.js';
import { ManualDriver } from './drivers/manual.js';

/** What reaching a firewall over SSH needs from the rest of core (credentials, the connection pool). */
export interface RemoteRunners {
  ssh(connection: Extract<FirewallConnection, { type: 'ssh' }>): Promise<CommandRunner>;
}

/** How commands reach a firewall. */
export async function runnerFor(connection: FirewallConnection, name: string, remote?: RemoteRunners): Promise<CommandRunner> {
  switch (connection.type) {
    case 'ssh':
      if (!remote) throw new OutpostError('UNREACHABLE', `Firewall ${name} is reached over SSH, which is not available here.`);
      return await remote.ssh(connection);
    case 'local':
      return connection.netns ? new LocalCommandRunner(['ip', 'netns', 'exec', connection.netns], `netns ${connection.netns}`) : new LocalCommandRunner();
    case 'none':
      throw new OutpostError('UNREACHABLE', `Firewall ${name} has no connection Outpost can use; it can only be driven manually.`);
  }
}

/** The driver registry: a new firewall driver is one file plus one line here. */
const drivers: Record<FirewallDriverKind, (fw: FirewallView, remote?: RemoteRunners) => Promise<FirewallDriver>> = {
  'linux-iptables': async (fw, remote) => new LinuxIptablesDriver({ runner: await runnerFor(fw.connection, fw.name, remote), settings: fw.settings }),
  'linux-nft': async (fw, remote) => new LinuxNftDriver({ runner: await runnerFor(fw.connection, fw.name, remote), settings: fw.settings }),
  manual: async (fw) => new ManualDriver(fw.name, fw.settings.manualSyntax ?? 'generic'),
};

export async function driverFor(fw: FirewallView, remote?: RemoteRunners): Promise<FirewallDriver> {
  return drivers[fw.driver](fw, remote);
}
