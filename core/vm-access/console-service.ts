import type { AuditLog } from '../audit/audit-log.js';
import type { CommandOutput, CommandParsedInput } from '../contract/commands.js';
import { OutpostError } from '../contract/errors.js';
import type { Sql } from '../db/sql.js';
import { storedVm } from '../inventory/stored-vm.js';
import { storedSite, withSiteSession } from '../sites/site-session.js';
import type { CredentialStore } from '../vault/credential-store.js';
import { acquireConsoleTicket, type ConsoleTicket } from '../vsphere/console-ticket.js';
import { ConsoleSlots } from './console-slots.js';

/** The console path the headless host serves (core/host/console-page.ts). */
export const CONSOLE_PATH_PREFIX = '/console/';

/** The ticket's wss URL; vCenter 6.5+ sends it, older ones give host and port only. */
export function ticketUrl(t: ConsoleTicket): URL {
  const raw = t.url ?? (t.host && t.port ? `wss://${t.host}:${t.port}/ticket/${encodeURIComponent(t.ticket)}` : null);
  let url: URL | null = null;
  try {
    url = raw ? new URL(raw) : null;
  } catch {
    url = null;
  }
  if (!url || url.protocol !== 'wss:' || url.username || url.password) {
    throw new OutpostError('VCENTER_PROTOCOL', 'vCenter answered AcquireTicket without a usable wss:// console address.');
  }
  return url;
}

/** VMware Remote Console link for a VM: carries no ticket, VMRC asks for the login itself. */
export function vmrcUrl(siteUrl: string, moref: string): string {
  const u = new URL(siteUrl);
  return `vmrc://${u.host}/?moid=${encodeURIComponent(moref)}`;
}

/**
 * VM consoles. A webmks ticket is one-time and short-lived: it goes from vCenter into a console
 * slot and from there into the one window that asks for it. It is never stored, logged or audited
 * (the audit records that a console was opened, not the ticket).
 */
export class ConsoleService {
  readonly slots = new ConsoleSlots();

  constructor(
    private readonly db: Sql,
    private readonly credentials: CredentialStore,
    private readonly audit: AuditLog,
  ) {}

  async open(input: CommandParsedInput<'vm.console.open'>, actor: string, window: boolean): Promise<CommandOutput<'vm.console.open'>> {
    const site = storedSite(this.db, input.site);
    const vm = storedVm(this.db, site, input.vm);
    const link = vmrcUrl(site.url, vm.moref);
    if (!window) {
      this.audit.append({ actor, action: 'vm.console', target: `${site.name}/${vm.name}`, details: { moref: vm.moref, via: 'vmrc' } });
      return { vm: vm.name, moref: vm.moref, windowPath: null, origin: null, vmrcUrl: link, expiresAt: null };
    }
    const url = await withSiteSession(this.db, this.credentials, site, async (session) => ticketUrl(await acquireConsoleTicket(session, { type: 'VirtualMachine', value: vm.moref })));
    const origin = `wss://${url.host}`;
    const slot = this.slots.add({ vm: vm.name, origin, url: url.toString() });
    this.audit.append({ actor, action: 'vm.console', target: `${site.name}/${vm.name}`, details: { moref: vm.moref, via: 'webmks', origin } });
    return {
      vm: vm.name,
      moref: vm.moref,
      windowPath: `${CONSOLE_PATH_PREFIX}${slot.id}`,
      origin,
      vmrcUrl: link,
      expiresAt: new Date(slot.expiresAt).toISOString(),
    };
  }
}
