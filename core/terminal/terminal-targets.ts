import type { VmSummary } from '../contract/inventory.js';
import { OutpostError } from '../contract/errors.js';
import { isWindowsGuest, type SshHop, type TerminalTarget } from '../contract/terminal.js';
import type { RemoteAccessService } from '../remote/remote-access-service.js';
import { endpointLabel, type SshTarget } from '../ssh/ssh-target.js';
import type { TerminalOpener } from './terminal-service.js';
import { WinrmConsoleSession } from './winrm-console.js';

export interface TerminalTargetDeps {
  remote: RemoteAccessService;
  findVm(site: string, moref: string): Promise<VmSummary | undefined>;
  /** The address a VM is reached at (public NAT or private, per site): the endpoint layer's VmAddressResolver. */
  vmAddress(site: string, vm: VmSummary): Promise<VmAddress>;
}

/** Keep-alives notice a dead peer within ~45 s; the shell then reconnects by itself. */
const KEEP_ALIVE_MS = 15_000;

/** Re-exported: the endpoint layer owns VM addresses now (resolveVmAddress). */
export { guestAddress } from '../endpoints/vm-address.js';
import type { VmAddress } from '../endpoints/vm-address.js';

export async function findInventoryVm(deps: TerminalTargetDeps, site: string, moref: string): Promise<VmSummary> {
  const vm = await deps.findVm(site, moref);
  if (!vm) throw new OutpostError('NOT_FOUND', `No VM ${moref} in site ${site}. Sync the site, then pick the VM again.`);
  return vm;
}

function sshOpener(deps: TerminalTargetDeps, target: SshTarget, credential: string): TerminalOpener {
  return {
    kind: 'ssh',
    title: endpointLabel(target),
    credential,
    open: (size) => deps.remote.endpoints.sshShell(target, size, KEEP_ALIVE_MS),
  };
}

function winrmOpener(deps: TerminalTargetDeps, url: string, credential: string, auth: 'basic' | 'ntlm'): TerminalOpener {
  const title = new URL(url).host;
  return {
    kind: 'winrm',
    title,
    credential,
    open: async () => {
      // Through the endpoint layer: HTTPS trusts the system's CAs and the ones imported into Outpost.
      const client = await deps.remote.endpoints.winrmWithCredential({ url, credential, auth });
      // Proves the endpoint and the credential before a tab opens (a wrong password is an error, not a dead tab).
      try {
        await client.runPowerShell('$null', { timeoutMs: 30_000 });
      } catch (err) {
        client.close();
        throw err;
      }
      const session = new WinrmConsoleSession(title, client);
      setImmediate(() => session.start());
      return session;
    },
  };
}

/** Turns a contract target into how to open (and reopen) its session; credentials are read from the vault here, in core. */
export async function resolveTerminalTarget(target: TerminalTarget, deps: TerminalTargetDeps): Promise<TerminalOpener> {
  // Every hop's user and secret from its own credential profile, through the endpoint layer (as ssh.exec and fan-out).
  const ssh = async (host: string, port: number, credential: string, user: string | undefined, jumps: readonly SshHop[]): Promise<TerminalOpener> =>
    sshOpener(deps, await deps.remote.endpoints.sshTarget({ host, port, user, credential }, jumps), credential);
  switch (target.type) {
    case 'ssh':
      return await ssh(target.host, target.port, target.credential, target.user, target.jumps);
    case 'winrm':
      return winrmOpener(deps, target.url, target.credential, target.auth);
    case 'vm': {
      const vm = await findInventoryVm(deps, target.site, target.vm);
      const { address } = await deps.vmAddress(target.site, vm);
      const protocol = target.protocol === 'auto' ? (isWindowsGuest(vm) ? 'winrm' : 'ssh') : target.protocol;
      if (protocol === 'winrm') {
        const host = address.includes(':') ? `[${address}]` : address;
        return winrmOpener(deps, `http://${host}:${target.port ?? 5985}/wsman`, target.credential, 'ntlm');
      }
      return await ssh(address, target.port ?? 22, target.credential, target.user, target.jumps);
    }
  }
}
