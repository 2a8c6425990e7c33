import type { Handlers } from './index.js';
import { probeHostKey } from '../../ssh/host-key-probe.js';
import type { Services } from '../services.js';

type RemoteCommand = 'credentials.list' | 'credentials.add' | 'credentials.remove' | 'knownHosts.list' | 'knownHosts.trust' | 'knownHosts.remove' | 'knownHosts.import' | 'ssh.hostKey' | 'ssh.exec' | 'ssh.fanout' | 'sshConfig.hosts' | 'winrm.exec';

/** Remote access: credential profiles, known hosts, SSH exec and fan-out. */
export function createRemoteHandlers(s: Services): Pick<Handlers, RemoteCommand> {
  const r = s.remote;
  return {
    'credentials.list': () => r.credentials.list(),
    'credentials.add': (input, caller) => r.credentials.add(input, caller.actor),
    'credentials.remove': async ({ name }, caller) => {
      await r.credentials.remove(name, caller.actor);
      return { removed: true as const };
    },
    'knownHosts.list': () => r.knownHosts.list(),
    'knownHosts.trust': (input, caller) => r.knownHosts.trust(input, caller.actor),
    'knownHosts.remove': async ({ host, port }, caller) => ({ removed: await r.knownHosts.remove(host, port, caller.actor) }),
    'knownHosts.import': ({ text, fileName }, caller) => r.importKnownHosts(text === undefined ? undefined : { text, fileName: fileName ?? 'known_hosts' }, caller.actor),
    'ssh.hostKey': ({ host, port }) => probeHostKey(host, port),
    'ssh.exec': (input, caller) => r.exec(input, caller.actor),
    'ssh.fanout': (input, caller) => r.fanout(input, caller.actor),
    'sshConfig.hosts': () => r.sshConfigHosts(),
    'winrm.exec': (input, caller) => r.winrmExec(input, caller.actor),
  };
}
