import type { ProcedureSummary, SiteSummary, VmSummary } from '../../core/contract';
import { isViewId, viewTargets, type ViewId } from '../navigation/views';

/**
 * What a palette entry does, as plain data: it can be kept in the recents (localStorage) and run
 * again after a reload. Names and ids only, never a secret.
 */
export type PaletteAction =
  | { type: 'navigate'; view: ViewId; ref: string | null; params?: Record<string, string> }
  | { type: 'theme'; to: 'toggle' | 'system' }
  | { type: 'refresh-status' }
  | { type: 'open-tasks' }
  | { type: 'sync-site'; site: string }
  | { type: 'power-vm'; site: string; vm: string; name: string; action: 'on' | 'off' | 'reset' | 'shutdown' }
  | { type: 'vm-terminal'; site: string; vm: string; name: string }
  | { type: 'host-terminal'; host: string; port: number; user: string | null; credential: string }
  | { type: 'enroll-vm'; site: string; vm: string; name: string }
  | { type: 'approve'; id: string; title: string };

export interface PaletteItem {
  id: string;
  label: string;
  /** Shown at the right of the row: the shortcut, or what kind of entry it is. */
  hint: string;
  keywords: string;
  action: PaletteAction;
}

type Fields = Record<string, unknown>;
const isObject = (v: unknown): v is Fields => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (o: Fields, ...keys: string[]): boolean => keys.every((k) => typeof o[k] === 'string');

/** Whether stored data (the recents, written by this or another version) is an action this version can run. */
export function isPaletteAction(v: unknown): v is PaletteAction {
  if (!isObject(v)) return false;
  switch (v.type) {
    case 'navigate':
      return typeof v.view === 'string' && isViewId(v.view) && (v.ref === null || typeof v.ref === 'string') && (v.params === undefined || (isObject(v.params) && Object.values(v.params).every((x) => typeof x === 'string')));
    case 'theme':
      return v.to === 'toggle' || v.to === 'system';
    case 'refresh-status':
    case 'open-tasks':
      return true;
    case 'sync-site':
      return str(v, 'site');
    case 'power-vm':
      return str(v, 'site', 'vm', 'name') && ['on', 'off', 'reset', 'shutdown'].includes(String(v.action));
    case 'vm-terminal':
    case 'enroll-vm':
      return str(v, 'site', 'vm', 'name');
    case 'host-terminal':
      return str(v, 'host', 'credential') && Number.isInteger(v.port) && (v.user === null || typeof v.user === 'string');
    case 'approve':
      return str(v, 'id', 'title');
    default:
      return false;
  }
}

export function isPaletteItem(v: unknown): v is PaletteItem {
  return isObject(v) && str(v, 'id', 'label', 'hint', 'keywords') && isPaletteAction(v.action);
}

/** Every view, then the console's own actions. */
export function staticItems(): PaletteItem[] {
  const navigation = viewTargets.map<PaletteItem>((target) => ({
    id: `go:${target.id}`,
    label: target.label,
    hint: `G ${target.key.toUpperCase()}`,
    keywords: `go to open view ${target.keywords}`,
    action: { type: 'navigate', view: target.id, ref: null },
  }));
  return [
    ...navigation,
    { id: 'tasks:open', label: 'Recent tasks', hint: 'Pane', keywords: 'running waiting approval jobs activity', action: { type: 'open-tasks' } },
    { id: 'theme:toggle', label: 'Toggle theme', hint: 'Action', keywords: 'dark light mode appearance', action: { type: 'theme', to: 'toggle' } },
    { id: 'theme:system', label: 'Follow system theme', hint: 'Action', keywords: 'os auto dark light appearance', action: { type: 'theme', to: 'system' } },
    { id: 'status:refresh', label: 'Refresh status', hint: 'Action', keywords: 'reload sites vault procedures', action: { type: 'refresh-status' } },
  ];
}

export function siteItems(site: SiteSummary): PaletteItem[] {
  return [
    { id: `site:${site.name}`, label: site.name, hint: 'vCenter', keywords: `site vcenter ${site.url}`, action: { type: 'navigate', view: 'inventory', ref: 'sites', params: {} } },
    { id: `sync:${site.name}`, label: `Sync ${site.name}`, hint: 'Action · vCenter', keywords: 'sync refresh inventory site vcenter', action: { type: 'sync-site', site: site.name } },
  ];
}

/** A VM found by the server's search: open it, power it, open a terminal to it, enroll it. */
export function vmItems(vm: VmSummary): PaletteItem[] {
  const key = `${vm.site}/${vm.moref}`;
  const where = `VM · ${vm.site}`;
  const words = [vm.ipAddress ?? '', vm.hostName ?? '', vm.guestFullName ?? ''].join(' ');
  const base = { site: vm.site, vm: vm.moref, name: vm.name };
  const items: PaletteItem[] = [
    { id: `vm:${key}`, label: vm.name, hint: where, keywords: `vm ${words}`, action: { type: 'navigate', view: 'inventory', ref: null, params: { vm: key, q: vm.name } } },
  ];
  if (vm.powerState !== 'poweredOn') items.push({ id: `vm-on:${key}`, label: `Power on ${vm.name}`, hint: `Action · ${where}`, keywords: 'start boot', action: { type: 'power-vm', ...base, action: 'on' } });
  if (vm.powerState === 'poweredOn') {
    items.push({ id: `vm-off:${key}`, label: `Power off ${vm.name}`, hint: `Action · ${where}`, keywords: 'stop halt', action: { type: 'power-vm', ...base, action: 'off' } });
    items.push({ id: `vm-shutdown:${key}`, label: `Shut down guest ${vm.name}`, hint: `Action · ${where}`, keywords: 'stop guest os', action: { type: 'power-vm', ...base, action: 'shutdown' } });
  }
  items.push({ id: `vm-term:${key}`, label: `Open terminal to ${vm.name}`, hint: `Action · ${where}`, keywords: 'ssh shell console powershell connect', action: { type: 'vm-terminal', ...base } });
  items.push({ id: `vm-enroll:${key}`, label: `Enroll ${vm.name}`, hint: `Action · ${where}`, keywords: 'enrollment cmdb nat onboard', action: { type: 'enroll-vm', ...base } });
  return items;
}

/** An ESXi host of the inventory: open the hosts list, or a terminal (SSH) to it. */
export function hostItems(host: { site: string; name: string }): PaletteItem[] {
  return [
    { id: `host:${host.site}/${host.name}`, label: host.name, hint: `Host · ${host.site}`, keywords: 'esxi host build', action: { type: 'navigate', view: 'inventory', ref: 'hosts' } },
    // The dialog opens with the host filled in; the operator picks the credential profile and connects.
    { id: `host-term:${host.site}/${host.name}`, label: `Open terminal to ${host.name}`, hint: `Action · Host · ${host.site}`, keywords: 'ssh shell esxi connect', action: { type: 'host-terminal', host: host.name, port: 22, user: null, credential: '' } },
  ];
}

/** A host this console opened a terminal to before (names only; the credential is a profile name). */
export function savedHostItems(h: { host: string; port: number; user: string | null; credential: string }): PaletteItem[] {
  const label = `${h.user ? `${h.user}@` : ''}${h.host}${h.port === 22 ? '' : `:${h.port}`}`;
  return [{ id: `saved:${label}:${h.credential}`, label: `Open terminal to ${label}`, hint: `Saved host · ${h.credential}`, keywords: 'ssh shell terminal connect saved recent', action: { type: 'host-terminal', ...h } }];
}

export function procedureItems(p: ProcedureSummary): PaletteItem[] {
  const title = `${p.kind}${p.target ? ` ${p.target}` : ''}`;
  const items: PaletteItem[] = [{ id: `proc:${p.id}`, label: title, hint: `Procedure · ${p.state}`, keywords: `procedure run ${p.id} ${p.createdBy}`, action: { type: 'navigate', view: 'procedures', ref: p.id } }];
  if (p.state === 'waiting') items.unshift({ id: `approve:${p.id}`, label: `Approve ${title}`, hint: 'Action · waiting for approval', keywords: 'approve gate confirm waiting', action: { type: 'approve', id: p.id, title } });
  return items;
}

/**
 * Words that name an action, not an object: the server's VM search gets the query without them
 * ("power on web-01" searches "web-01"), the palette's fuzzy match still sees all of it.
 */
const VERBS = new Set(['power', 'on', 'off', 'shut', 'down', 'shutdown', 'guest', 'open', 'terminal', 'to', 'ssh', 'enroll', 'sync', 'approve', 'vm', 'start', 'stop']);

export function objectQuery(query: string): string {
  return query
    .trim()
    .split(/\s+/)
    .filter((w) => w && !VERBS.has(w.toLowerCase()))
    .join(' ');
}
