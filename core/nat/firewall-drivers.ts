import type { FirewallConnection, FirewallDriverKind, FirewallView } from '../contract/nat.js';
import { OutpostError } from '../contract/errors.js';
import { LocalCommandRunner, type CommandRunner } from './command-runner.js';
import type { FirewallDriver } from './firewall-driver.js';
import { LinuxIptablesDriver } from './drivers/linux-iptables.js';
import { LinuxNftDriver } from './drivers/linux-nft.js';
import { ManualDriver } from './drivers/manual.js';

/** How commands reach a firewall; SSH joins with the remote-access work. */
export function runnerFor(connection: FirewallConnection, name: string): CommandRunner {
  switch (connection.type) {
    case 'local':
      return connection.netns ? new LocalCommandRunner(['ip', 'netns', 'exec', connection.netns], `netns ${connection.netns}`) : new LocalCommandRunner();
    case 'none':
      throw new OutpostError('UNREACHABLE', `Firewall ${name} has no connection Outpost can use; it can only be driven manually.`);
  }
}

/** The driver registry: a new firewall driver is one file plus one line here. */
const drivers: Record<FirewallDriverKind, (fw: FirewallView) => FirewallDriver> = {
  'linux-iptables': (fw) => new LinuxIptablesDriver({ runner: runnerFor(fw.connection, fw.name), settings: fw.settings }),
  'linux-nft': (fw) => new LinuxNftDriver({ runner: runnerFor(fw.connection, fw.name), settings: fw.settings }),
  manual: (fw) => new ManualDriver(fw.name, fw.settings.manualSyntax ?? 'generic'),
};

export function driverFor(fw: FirewallView): FirewallDriver {
  return drivers[fw.driver](fw);
}
