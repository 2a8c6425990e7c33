import type { AuditLog } from '../audit/audit-log.js';
import type { CommandParsedInput } from '../contract/commands.js';
import { toContractError } from '../contract/errors.js';
import type { GuestInfo } from '../contract/vm-access.js';
import type { Sql } from '../db/sql.js';
import { storedVm } from '../inventory/stored-vm.js';
import { storedSite, withSiteSession } from '../sites/site-session.js';
import type { CredentialStore } from '../vault/credential-store.js';
import { readExtraConfig, writeExtraConfig } from '../vsphere/vm-extra-config.js';
import type { MoRef } from '../vsphere/xml.js';

const PREFIX = 'guestinfo.';

/**
 * guestinfo.* extra-config keys on a VM: what seed 003 injected through machine.id, read by the
 * guest with VMware Tools. Values are configuration, not secrets, but only keys (and whether they
 * were set or removed) go to the audit log: values may carry addresses an operator keeps private.
 */
export class GuestInfoService {
  constructor(
    private readonly db: Sql,
    private readonly credentials: CredentialStore,
    private readonly audit: AuditLog,
  ) {}

  async get(input: CommandParsedInput<'vm.guestinfo.get'>): Promise<GuestInfo> {
    const site = await storedSite(this.db, input.site);
    const vm = await storedVm(this.db, site, input.vm);
    const ref: MoRef = { type: 'VirtualMachine', value: vm.moref };
    const entries = await withSiteSession(this.db, this.credentials, site, (session) => readExtraConfig(session, ref));
    return { site: site.name, vm: vm.name, moref: vm.moref, entries: guestInfoOnly(entries) };
  }

  async set(input: CommandParsedInput<'vm.guestinfo.set'>, actor: string): Promise<GuestInfo> {
    const site = await storedSite(this.db, input.site);
    const vm = await storedVm(this.db, site, input.vm);
    const ref: MoRef = { type: 'VirtualMachine', value: vm.moref };
    const target = `${site.name}/${vm.name}`;
    const keys = { set: input.set.map((e) => e.key), removed: input.remove };
    try {
      const entries = await withSiteSession(this.db, this.credentials, site, async (session) => {
        await writeExtraConfig(session, ref, [...input.set, ...input.remove.map((key) => ({ key, value: '' }))]);
        return readExtraConfig(session, ref);
      });
      await this.audit.append({ actor, action: 'vm.guestinfo.set', target, details: { moref: vm.moref, ...keys } });
      return { site: site.name, vm: vm.name, moref: vm.moref, entries: guestInfoOnly(entries) };
    } catch (err) {
      await this.audit.append({ actor, action: 'vm.guestinfo.set', target, outcome: 'failed', details: { moref: vm.moref, ...keys, error: toContractError(err).code } });
      throw err;
    }
  }
}

function guestInfoOnly(entries: readonly { key: string; value: string }[]): { key: string; value: string }[] {
  return entries.filter((e) => e.key.toLowerCase().startsWith(PREFIX)).sort((a, b) => a.key.localeCompare(b.key));
}
