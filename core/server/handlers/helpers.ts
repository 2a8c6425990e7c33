import type { helperCommands } from '../../contract/helpers.js';
import { OutpostError } from '../../contract/errors.js';
import { parseHostPort } from '../../contract/fanout.js';
import type { CommandParsedInput } from '../../contract/commands.js';
import { mapEntries, parseHostList, renderHostsBlock, vmHostEntries, type HostEntry } from '../../helpers/hosts-entries.js';
import { applyRemoteHosts, planRemoteHosts, type HostsPlan } from '../../helpers/remote-hosts-file.js';
import { SshCommandRunner } from '../../ssh/ssh-command-runner.js';
import { guestAddress } from '../../terminal/terminal-targets.js';
import { inventoryVms, publicAddresses } from '../inventory-vms.js';
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

type HostsInput = CommandParsedInput<'helpers.hosts.preview'>;

/** The entries a hosts push writes: the picked VMs (by guest IP or CMDB public IP), then the pasted list. */
async function hostsEntries(s: Services, i: HostsInput): Promise<HostEntry[]> {
  const vms = await inventoryVms(s, i.vms);
  const publics = i.address === 'public' ? await publicAddresses(s, vms.map((v) => v.site)) : new Map<string, string>();
  const facts = vms.map((vm) => {
    const label = `${vm.site}/${vm.name}`;
    let address: string;
    if (i.address === 'public') {
      const pub = publics.get(`${vm.site}\u0000${vm.moref}`);
      if (!pub) throw new OutpostError('VALIDATION', `VM ${label} has no public address: it is not enrolled (the CMDB holds NAT'd addresses of enrolled VMs only). Use the private address, or enroll it first.`, { vm: label });
      address = pub;
    } else {
      address = guestAddress(vm);
    }
    return { label, vmName: vm.name, guestHostName: vm.hostName, address };
  });
  const entries = vmHostEntries(facts);
  if (i.text !== undefined && i.text.trim()) entries.push(...parseHostList(i.text));
  return entries;
}

/** The node's hosts file as a command runner over SSH (host key checked against Outpost's known hosts). */
async function hostsNode(s: Services, i: HostsInput): Promise<{ runner: SshCommandRunner; label: string }> {
  const { host, port } = parseHostPort(i.host)!;
  const endpoint = await s.endpoints.sshEndpoint({ host, port, user: i.user, credential: i.credential });
  return { runner: new SshCommandRunner(s.endpoints.pool, endpoint), label: `${endpoint.user}@${host}:${port}` };
}

const planOutput = (i: HostsInput, entries: HostEntry[], plan: HostsPlan) => ({ host: i.host, path: plan.path, entries, diff: plan.diff, changed: plan.changed, baseSha256: plan.baseSha256 });

export function helperHandlers(s: Services): HelperHandlers {
  return {
    'helpers.hosts.preview': async (i) => {
      const entries = await hostsEntries(s, i);
      const { runner } = await hostsNode(s, i);
      return planOutput(i, entries, await planRemoteHosts(runner, i.path, entries));
    },
    'helpers.hosts.push': async (i, caller) => {
      const entries = await hostsEntries(s, i);
      const { runner, label } = await hostsNode(s, i);
      const details = { path: i.path, entries: entries.length, vms: i.vms.length, address: i.address, credential: i.credential };
      try {
        const plan = await planRemoteHosts(runner, i.path, entries);
        if (i.expectSha256 && i.expectSha256 !== plan.baseSha256) throw new OutpostError('CONFLICT', `${i.path} on ${i.host} changed since the preview; preview again before pushing.`);
        // The file must still be the one just read when the new one is renamed over it (another push or an admin in between).
        await applyRemoteHosts(runner, plan, { expectSha256: plan.baseSha256 });
        await s.audit.append({ actor: caller.actor, action: 'hosts.push', target: label, details: { ...details, changed: plan.changed } });
        return planOutput(i, entries, plan);
      } catch (err) {
        await s.audit.append({ actor: caller.actor, action: 'hosts.push', target: label, outcome: 'failed', details: { ...details, code: err instanceof OutpostError ? err.code : 'INTERNAL' } });
        throw err;
      }
    },
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
