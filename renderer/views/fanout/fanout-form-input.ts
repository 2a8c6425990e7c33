import type { CommandInput } from '../../../core/contract';
import type { FanoutState } from './fanout-store';
import type { parseTargets } from './fanout-rows';
import { jumpHopsOf } from './JumpHostsField';

type Form = Pick<FanoutState, 'vms' | 'configHosts' | 'credential' | 'jumpsText' | 'jumpCredentials' | 'concurrency' | 'timeoutSeconds' | 'vmPort' | 'command' | 'user'>;

/** The form as fanout.start / fanout.template.save take it, or the first thing wrong with it (checked before anything is sent). */
export function fanoutFormInput(f: Form, parsed: ReturnType<typeof parseTargets>): CommandInput<'fanout.start'> | { error: string } {
  if (parsed.invalid.length > 0) return { error: `Line ${parsed.invalid[0]!.line}: "${parsed.invalid[0]!.text}" is not host, host:port or [IPv6]:port.` };
  if (parsed.hosts.length + f.vms.length + f.configHosts.length === 0) return { error: 'Give at least one host (paste a list, add VMs or import from ~/.ssh/config).' };
  if (!f.credential) return { error: 'Choose a credential profile (or save a new one).' };
  const jumps = jumpHopsOf({ text: f.jumpsText, credentials: f.jumpCredentials }, f.credential);
  if ('error' in jumps) return { error: jumps.error };
  const concurrency = Number(f.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 200) return { error: 'Concurrency is a whole number from 1 to 200.' };
  const timeout = Number(f.timeoutSeconds);
  if (!Number.isFinite(timeout) || timeout < 1 || timeout > 86_400) return { error: 'The timeout per host is 1 to 86400 seconds.' };
  const vmPort = Number(f.vmPort);
  if (f.vms.length > 0 && (!Number.isInteger(vmPort) || vmPort < 1 || vmPort > 65535)) return { error: 'The SSH port on the VMs is a number from 1 to 65535.' };
  if (!f.command.trim()) return { error: 'Give the command to run.' };
  return {
    hosts: parsed.hosts,
    vms: f.vms.map((v) => ({ site: v.site, vm: v.vm, port: vmPort })),
    ...(f.configHosts.length ? { sshConfigHosts: f.configHosts.map((c) => c.alias) } : {}),
    credential: f.credential,
    ...(jumps.hops.length ? { jumps: jumps.hops } : {}),
    ...(f.user.trim() ? { user: f.user.trim() } : {}),
    command: f.command,
    concurrency,
    timeoutMs: Math.round(timeout * 1000),
  };
}
