import { runChecked, type CommandRunner } from '../../exec/command-runner.js';

interface IpAddrJson {
  addr_info?: { family?: string; local?: string; prefixlen?: number }[];
}

async function addresses(runner: CommandRunner, iface: string): Promise<string[]> {
  const out = await runChecked(runner, ['ip', '-j', 'addr', 'show', 'dev', iface], { timeoutMs: 10_000 });
  const parsed = JSON.parse(out || '[]') as IpAddrJson[];
  return parsed.flatMap((l) => l.addr_info ?? []).map((a) => a.local ?? '');
}

/** Adds the public address to the firewall's public interface (so it answers ARP); true when it changed. */
export async function ensurePublicAddress(runner: CommandRunner, iface: string, ip: string): Promise<boolean> {
  if ((await addresses(runner, iface)).includes(ip)) return false;
  await runChecked(runner, ['ip', 'addr', 'add', `${ip}/32`, 'dev', iface], { timeoutMs: 10_000 });
  return true;
}

export async function removePublicAddress(runner: CommandRunner, iface: string, ip: string): Promise<boolean> {
  if (!(await addresses(runner, iface)).includes(ip)) return false;
  await runChecked(runner, ['ip', 'addr', 'del', `${ip}/32`, 'dev', iface], { timeoutMs: 10_000 });
  return true;
}
