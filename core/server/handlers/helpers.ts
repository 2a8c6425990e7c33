import type { helperCommands } from '../../contract/helpers.js';
import { mapEntries, parseHostList, renderHostsBlock } from '../../helpers/hosts-entries.js';
import { preflight } from '../../helpers/port-preflight.js';
import { LocalTranslation } from '../../helpers/translation-local.js';
import { buildTranslation, previewRules, type TranslationSpec } from '../../helpers/translation-rules.js';
import { privilegedLocalRunner } from '../../exec/command-runner.js';
import type { Handlers } from './index.js';
import type { Services } from '../services.js';

type HelperHandlers = Pick<Handlers, keyof typeof helperCommands>;

const spec = (i: TranslationSpec): TranslationSpec => ({
  subnet: i.subnet,
  ...(i.to !== undefined ? { to: i.to } : {}),
  ...(i.toPrefix !== undefined ? { toPrefix: i.toPrefix } : {}),
  ...(i.ports !== undefined ? { ports: i.ports } : {}),
  ...(i.protocol !== undefined ? { protocol: i.protocol } : {}),
});

const local = (backend: 'iptables' | 'nft'): LocalTranslation => new LocalTranslation(privilegedLocalRunner(), backend);

export function helperHandlers(s: Services): HelperHandlers {
  return {
    'helpers.translate.preview': (i) => {
      const t = buildTranslation(spec(i));
      return { tag: t.tag, rules: previewRules(t, i.format) };
    },
    'helpers.translate.apply': async (i, caller) => {
      const t = buildTranslation(spec(i));
      const r = await local(i.backend).apply(t);
      await s.audit.append({ actor: caller.actor, action: 'translate.apply', target: t.subnet.text, details: { tag: t.tag, backend: i.backend, changed: r.changed } });
      return { tag: t.tag, changed: r.changed };
    },
    'helpers.translate.remove': async (i, caller) => {
      const t = buildTranslation(spec(i));
      const r = await local(i.backend).remove(t);
      await s.audit.append({ actor: caller.actor, action: 'translate.remove', target: t.subnet.text, details: { tag: t.tag, backend: i.backend, changed: r.changed } });
      return { tag: t.tag, changed: r.changed };
    },
    'helpers.translate.applied': ({ backend }) => local(backend).show(),
    'helpers.hosts.render': (i) => {
      let entries = parseHostList(i.text);
      if (i.mapSubnet !== undefined && i.toPrefix !== undefined) entries = mapEntries(entries, i.mapSubnet, i.toPrefix);
      return { entries, block: renderHostsBlock(entries) };
    },
    'helpers.preflight.run': (i) => preflight(i.targets, { timeoutMs: i.timeoutMs, concurrency: i.concurrency }),
    'helpers.preflight.lists': () => s.preflightLists.list(),
    'helpers.preflight.save': async (i, caller) => {
      const saved = await s.preflightLists.save(i.name.trim(), i.targets, i.timeoutMs);
      await s.audit.append({ actor: caller.actor, action: 'preflight.save', target: saved.name, details: { targets: saved.targets.length } });
      return saved;
    },
    'helpers.preflight.delete': async ({ name }, caller) => {
      const deleted = await s.preflightLists.remove(name);
      if (deleted) await s.audit.append({ actor: caller.actor, action: 'preflight.delete', target: name });
      return { deleted };
    },
  };
}
