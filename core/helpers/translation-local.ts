import { runChecked, type CommandRunner } from '../exec/command-runner.js';
import { parseIptablesSave } from '../nat/iptables-save-parser.js';
import { nftTableRules } from '../nat/nft-table.js';
import { NFT_TRANSLATE_TABLE, iptablesArgv, nftAddArgv, type Translation } from './translation-rules.js';

/** One of Outpost's translation rules as it is on this machine now. */
export interface AppliedTranslation {
  backend: 'iptables' | 'nft';
  tag: string;
  rule: string;
}

/** Applies, removes and shows translation rules on this workstation (argv only, never a shell). */
export class LocalTranslation {
  constructor(
    private readonly runner: CommandRunner,
    private readonly backend: 'iptables' | 'nft',
  ) {}

  /** Idempotent: a rule with the same tag is not added twice. */
  async apply(t: Translation): Promise<{ changed: boolean }> {
    if ((await this.show()).some((r) => r.tag === t.tag)) return { changed: false };
    if (this.backend === 'iptables') await runChecked(this.runner, iptablesArgv(t, '-A'), { timeoutMs: 15_000 });
    else for (const argv of nftAddArgv(t)) await runChecked(this.runner, argv, { timeoutMs: 15_000 });
    return { changed: true };
  }

  async remove(t: Translation): Promise<{ changed: boolean }> {
    let changed = false;
    if (this.backend === 'iptables') {
      for (const r of await this.iptablesRules()) {
        if (r.comment !== t.tag) continue;
        await runChecked(this.runner, ['iptables', '-w', '5', '-t', 'nat', '-D', r.chain, ...r.spec], { timeoutMs: 15_000 });
        changed = true;
      }
      return { changed };
    }
    for (const r of await this.nftRules()) {
      if (r.comment !== t.tag) continue;
      await runChecked(this.runner, ['nft', 'delete', 'rule', 'ip', NFT_TRANSLATE_TABLE, 'output', 'handle', String(r.handle)], { timeoutMs: 15_000 });
      changed = true;
    }
    return { changed };
  }

  /** Every Outpost translation rule present now (tagged outpost:translate:...). */
  async show(): Promise<AppliedTranslation[]> {
    if (this.backend === 'iptables') {
      return (await this.iptablesRules())
        .filter((r) => r.comment?.startsWith('outpost:translate:'))
        .map((r) => ({ backend: 'iptables' as const, tag: r.comment!, rule: `-A ${r.chain} ${r.spec.join(' ')}` }));
    }
    return (await this.nftRules()).filter((r) => r.comment.startsWith('outpost:translate:')).map((r) => ({ backend: 'nft' as const, tag: r.comment, rule: `handle ${r.handle}` }));
  }

  private async iptablesRules() {
    return parseIptablesSave(await runChecked(this.runner, ['iptables-save', '-t', 'nat'], { timeoutMs: 15_000 })).filter((r) => r.chain === 'OUTPUT');
  }

  private async nftRules(): Promise<{ handle: number; comment: string }[]> {
    return (await nftTableRules(this.runner, NFT_TRANSLATE_TABLE)).map((r) => ({ handle: r.handle, comment: r.comment ?? '' }));
  }
}
