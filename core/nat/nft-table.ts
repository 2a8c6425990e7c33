import { OutpostError } from '../contract/errors.js';
import type { CommandRunner } from '../exec/command-runner.js';

/** One rule of an nftables table as `nft -j -a list table` prints it. */
export interface NftRule {
  chain: string;
  handle: number;
  comment?: string;
  expr?: unknown[];
}

/** The rules of one of Outpost's own `ip` tables; a table not created yet simply has none. */
export async function nftTableRules(runner: CommandRunner, table: string): Promise<NftRule[]> {
  const r = await runner.run(['nft', '-j', '-a', 'list', 'table', 'ip', table], { timeoutMs: 15_000 });
  if (r.code !== 0) {
    if (/No such file or directory/.test(r.stderr)) return [];
    throw new OutpostError('FIREWALL_COMMAND', `nft list table ip ${table} failed on ${runner.where} (exit ${r.code}): ${r.stderr.trim()}`);
  }
  const doc = JSON.parse(r.stdout) as { nftables?: { rule?: NftRule }[] };
  return (doc.nftables ?? []).flatMap((item) => (item.rule ? [item.rule] : []));
}

/** One of Outpost's own `ip` tables: its chain names and its rules (empty when the table does not exist yet). */
export async function nftTable(runner: CommandRunner, table: string): Promise<{ chains: string[]; rules: NftRule[] }> {
  const r = await runner.run(['nft', '-j', '-a', 'list', 'table', 'ip', table], { timeoutMs: 15_000 });
  if (r.code !== 0) {
    if (/No such file or directory/.test(r.stderr)) return { chains: [], rules: [] };
    throw new OutpostError('FIREWALL_COMMAND', `nft list table ip ${table} failed on ${runner.where} (exit ${r.code}): ${r.stderr.trim()}`);
  }
  const doc = JSON.parse(r.stdout) as { nftables?: { rule?: NftRule; chain?: { name: string } }[] };
  const items = doc.nftables ?? [];
  return { chains: items.flatMap((i) => (i.chain ? [i.chain.name] : [])), rules: items.flatMap((i) => (i.rule ? [i.rule] : [])) };
}
