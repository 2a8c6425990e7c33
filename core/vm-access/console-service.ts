import type { AuditLog } from '../audit/audit-log.js';
import type { CommandOutput, CommandParsedInput } from '../contract/commands.js';
import { OutpostError } from '../contract/errors.js';
import type { Sql } from '../db/sql.js';
import { storedVm } from '../inventory/stored-vm.js';
import { connectSite, storedSite, withSiteSession } from '../sites/site-session.js';
import type { CredentialStore } from '../vault/credential-store.js';
import { acquireCloneTicket, acquireConsoleTicket, type ConsoleTicket } from '../vsphere/console-ticket.js';
import type { VsphereSession } from '../vsphere/session.js';
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

/**
 * How long the vCenter session behind a VMRC link stays open. vCenter drops a clone ticket when the
 * session that acquired it ends, so this is how long the operator has to launch VMRC; VMRC's own
 * cloned session lives on after that.
 */
export const VMRC_SESSION_TTL_MS = 5 * 60_000;

/** VMware Remote Console link carrying a one-time clone ticket: VMRC clones the session, no second login. */
export function vmrcUrl(siteUrl: string, moref: string, cloneTicket: string): string {
  const u = new URL(siteUrl);
  return `vmrc://clone:${encodeURIComponent(cloneTicket)}@${u.host}/?moid=${encodeURIComponent(moref)}`;
}

/**
 * VM consoles. Both tickets (webmks for a window, clone for VMRC) are one-time secrets: a webmks
 * ticket goes from vCenter into a console slot and from there into the one window that asks for it;
 * a clone ticket goes into the vmrc:// link handed to the operator's click. Neither is stored,
 * logged or audited (the audit records that a console was opened, and which kind).
 */
export class ConsoleService {
  readonly slots = new ConsoleSlots();
  /** Sessions kept open so their clone tickets stay valid (see VMRC_SESSION_TTL_MS). */
  private readonly vmrcSessions = new Map<VsphereSession, NodeJS.Timeout>();

  constructor(
    private readonly db: Sql,
    private readonly credentials: CredentialStore,
    private readonly audit: AuditLog,
    private readonly vmrcSessionTtlMs = VMRC_SESSION_TTL_MS,
  ) {}

  async open(input: CommandParsedInput<'vm.console.open'>, actor: string, windowsServed: boolean): Promise<CommandOutput<'vm.console.open'>> {
    const kind = input.kind ?? (windowsServed ? 'window' : 'vmrc');
    if (kind === 'window' && !windowsServed) {
      throw new OutpostError('VALIDATION', 'Only the browser (host) build opens console windows; ask for a VMware Remote Console link (kind vmrc) instead.', { kind });
    }
    const site = await storedSite(this.db, input.site);
    const vm = await storedVm(this.db, site, input.vm);
    const target = `${site.name}/${vm.name}`;
    if (kind === 'vmrc') {
      const link = vmrcUrl(site.url, vm.moref, await this.cloneTicket(site));
      await this.audit.append({ actor, action: 'vm.console.open', target, details: { moref: vm.moref, kind: 'vmrc' } });
      return { vm: vm.name, moref: vm.moref, kind, windowPath: null, origin: null, vmrcUrl: link, expiresAt: new Date(Date.now() + this.vmrcSessionTtlMs).toISOString() };
    }
    const url = await withSiteSession(this.db, this.credentials, site, async (session) => ticketUrl(await acquireConsoleTicket(session, { type: 'VirtualMachine', value: vm.moref })));
    const origin = `wss://${url.host}`;
    const slot = this.slots.add({ vm: vm.name, origin, url: url.toString() });
    await this.audit.append({ actor, action: 'vm.console.open', target, details: { moref: vm.moref, kind: 'window', origin } });
    return {
      vm: vm.name,
      moref: vm.moref,
      kind,
      windowPath: `${CONSOLE_PATH_PREFIX}${slot.id}`,
      origin,
      vmrcUrl: null,
      expiresAt: new Date(slot.expiresAt).toISOString(),
    };
  }

  /** Logs out every session kept for a VMRC link: their unused clone tickets die with them. */
  async endVmrcSessions(): Promise<void> {
    const sessions = [...this.vmrcSessions.keys()];
    await Promise.all(sessions.map((s) => this.endVmrcSession(s)));
  }

  /** A fresh clone ticket from a session of its own, logged out after the TTL (or at once on failure). */
  private async cloneTicket(site: Parameters<typeof connectSite>[2]): Promise<string> {
    const session = await connectSite(this.db, this.credentials, site);
    try {
      const ticket = await acquireCloneTicket(session);
      // Unref'd: a CLI run exits at once and leaves the session to vCenter's idle timeout.
      const timer = setTimeout(() => void this.endVmrcSession(session), this.vmrcSessionTtlMs).unref();
      this.vmrcSessions.set(session, timer);
      return ticket;
    } catch (err) {
      await session.logout().catch(() => undefined);
      throw err;
    }
  }

  private async endVmrcSession(session: VsphereSession): Promise<void> {
    clearTimeout(this.vmrcSessions.get(session));
    this.vmrcSessions.delete(session);
    await session.logout().catch(() => undefined);
  }
}
