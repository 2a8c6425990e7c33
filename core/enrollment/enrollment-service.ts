import { randomUUID } from 'node:crypto';
import ssh2 from 'ssh2';
import type { AuditLog } from '../audit/audit-log.js';
import { onPath } from '../exec/on-path.js';
import type { CommandOutput, CommandParsedInput } from '../contract/commands.js';
import type {
  BatchItem,
  BatchStarted,
  CmdbRecord,
  CredentialMethod,
  EnrollmentCheck,
  EnrollmentRules,
  OsRule,
  RequirementResult,
  VmEligibility,
} from '../contract/enrollment.js';
import { OutpostError, toContractError } from '../contract/errors.js';
import { isFault } from '../vsphere/faults.js';
import type { Sql } from '../db/sql.js';
import { contains, parseAddress, parseNetwork } from '../ipam/ip-address.js';
import type { Ipam } from '../ipam/ipam.js';
import type { NatService } from '../nat/nat-service.js';
import type { ProcedureEngine } from '../procedures/engine.js';
import type { RemoteAccessService } from '../remote/remote-access-service.js';
import type { EventBus } from '../events/event-bus.js';
import type { CredentialStore } from '../vault/credential-store.js';
import { validateCredentialsInGuest } from '../vsphere/guest-auth.js';
import { readProperties } from '../vsphere/property-collector.js';
import { VsphereSession } from '../vsphere/session.js';
import { runBounded } from './batch.js';
import { CmdbStore, cmdbCsv } from './cmdb-store.js';
import { CmdbFollower } from './cmdb-follower.js';
import { InventoryStore, type InventoryVmDetails } from '../inventory/inventory-store.js';
import { ProcedureStore } from '../procedures/procedure-store.js';
import { compareUuids, canonicalUuid, identityScript, type UuidMatch } from './guest-identity.js';
import { evaluateGuest, keyValues, parseGuestReport, probeScript, type GuestReport } from './guest-scripts.js';
import { GuestShell, type GuestEndpoint } from './guest-shell.js';
import { defaultRulesPath, loadOsRules, ruleForVm } from './os-rules.js';
import { connectSite, storedSite, storedSiteById, type StoredSite } from '../sites/site-session.js';
import { generateEd25519KeyPair } from '../ssh/ssh-keygen.js';

export interface EnrollmentServiceOptions {
  db: Sql;
  audit: AuditLog;
  ipam: Ipam;
  nat: NatService;
  remote: RemoteAccessService;
  credentials: CredentialStore;
  bus?: EventBus;
  rulesPath?: string;
}


/** A VM as the inventory stores it (the columns enrollment reads). */
export type InventoryVm = InventoryVmDetails;

/** What eligibility is judged on: the inventory row, or vCenter's live answer during a run. */
export interface VmFacts {
  powerState: string | null;
  toolsRunningStatus: string | null;
  ipAddress: string | null;
  ipAddresses: string[];
  guestId: string | null;
  guestFullName: string | null;
}

/** Who answered at a VM's address: confirmed to be the VM (its SMBIOS UUID is the VM's BIOS UUID). */
export interface GuestIdentity {
  host: string;
  vmUuid: string;
  guestUuid: string;
  /** `byte-swapped`: the older virtual hardware's SMBIOS byte order (the same machine). */
  match: Exclude<UuidMatch, 'different'>;
  /** Where the guest read it (sysfs, dmidecode, Win32_ComputerSystemProduct, ...). */
  source: string;
}

/** The service account key enrollment installs (its private half stays in the vault). */
export interface ServiceKey {
  credential: string;
  publicKey: string;
}

export const DEFAULT_SERVICE_CREDENTIAL = 'outpost-enrollment';
export const privateOwner = (site: string, moref: string): string => `vm:${site}/${moref}`;

const isIpv4 = (ip: string): boolean => {
  try {
    return parseAddress(ip).family === 4;
  } catch {
    return false;
  }
};

/** The address enrollment NATs: the primary guest address when IPv4, else the first IPv4 the guest reports. */
export function privateIpOf(f: Pick<VmFacts, 'ipAddress' | 'ipAddresses'>): string | null {
  if (f.ipAddress && isIpv4(f.ipAddress)) return parseAddress(f.ipAddress).text;
  const v4 = f.ipAddresses.find(isIpv4);
  return v4 ? parseAddress(v4).text : null;
}

/** Inventory-side requirements (pure): powered on, tools running, not enrolled, an IPv4 address, a matching OS rule. */
export function inventoryRequirements(facts: VmFacts, enrolled: CmdbRecord | null, rules: readonly OsRule[]): { checks: RequirementResult[]; rule: OsRule | null; privateIp: string | null } {
  const checks: RequirementResult[] = [{ id: 'found', label: 'In the inventory', status: 'pass', message: 'found', code: null }];
  const fail = (id: RequirementResult['id'], label: string, message: string, code = 'ENROLL_INELIGIBLE'): void => void checks.push({ id, label, status: 'fail', message, code });
  const pass = (id: RequirementResult['id'], label: string, message: string): void => void checks.push({ id, label, status: 'pass', message, code: null });
  if (facts.powerState === 'poweredOn') pass('powered-on', 'Powered on', 'poweredOn');
  else fail('powered-on', 'Powered on', `The VM is ${facts.powerState ?? 'in an unknown power state'}; power it on first.`);
  if (facts.toolsRunningStatus === 'guestToolsRunning') pass('tools-running', 'VMware Tools running', 'guestToolsRunning');
  else fail('tools-running', 'VMware Tools running', `VMware Tools are ${facts.toolsRunningStatus ?? 'not reported'}; install or start them in the guest.`);
  if (enrolled) fail('not-enrolled', 'Not enrolled yet', `Already enrolled on ${enrolled.enrolledAt} by ${enrolled.enrolledBy} (public IP ${enrolled.publicIp ?? '-'}); offboard it first.`);
  else pass('not-enrolled', 'Not enrolled yet', 'not enrolled');
  const privateIp = privateIpOf(facts);
  if (privateIp) pass('private-ip', 'Private IPv4 address', privateIp);
  else fail('private-ip', 'Private IPv4 address', 'The guest reports no IPv4 address; check its network and VMware Tools.');
  const rule = ruleForVm(rules, facts);
  if (rule) pass('os-rule', 'Supported OS family', `${rule.label} (${facts.guestFullName ?? facts.guestId ?? '?'})`);
  else fail('os-rule', 'Supported OS family', `No rule in os-requirements.json covers ${facts.guestFullName ?? facts.guestId ?? 'this guest OS'}.`, 'OS_REQUIREMENT');
  return { checks, rule, privateIp };
}

/**
 * Guest OS enrollment (GOSS): eligibility, guest checks, batches of enroll-vm / offboard-vm
 * procedures and the CMDB. The steps of those procedures call back into this service for
 * everything that talks to vCenter or a guest.
 */
export class EnrollmentService {
  readonly cmdb: CmdbStore;
  /** The CMDB following vCenter (renames, deletes, guest IP drift); the composition root feeds it the watchers' changes. */
  readonly follower: CmdbFollower;
  private readonly inventory: InventoryStore;
  readonly guests: GuestShell;
  private engine: ProcedureEngine | null = null;
  private readonly sessions = new Map<number, Promise<VsphereSession>>();
  private readonly batches = new Map<string, Promise<void>>();
  private readonly rulesPath: string;
  private currentActor = 'outpost';

  constructor(private readonly o: EnrollmentServiceOptions) {
    this.cmdb = new CmdbStore(o.db);
    this.inventory = new InventoryStore(o.db);
    this.follower = new CmdbFollower({
      db: o.db,
      cmdb: this.cmdb,
      inventory: this.inventory,
      nat: o.nat,
      ipam: o.ipam,
      audit: o.audit,
      owner: privateOwner,
      changed: (site, moref, name, change) => this.o.bus?.emit('cmdb.changed', { site, vmMoref: moref, vmName: name, change }),
    });
    this.rulesPath = o.rulesPath ?? defaultRulesPath();
    this.guests = new GuestShell(o.remote.endpoints, () => this.currentActor);
  }

  /** The engine that runs the batches (it is built after this service, which its steps use). */
  attach(engine: ProcedureEngine): void {
    this.engine = engine;
  }

  osRules(): OsRule[] {
    return loadOsRules(this.rulesPath);
  }

  rules(): EnrollmentRules {
    return { source: this.rulesPath, rules: this.osRules(), ansibleAvailable: onPath('ansible-playbook') };
  }

  async site(name: string): Promise<StoredSite> {
    return await storedSite(this.o.db, name);
  }

  async resolveVm(site: StoredSite, ref: string): Promise<InventoryVm> {
    const rows = await this.inventory.vmDetailsByRef(site.id, ref);
    if (rows.length === 0) throw new OutpostError('NOT_FOUND', `No VM "${ref}" in site ${site.name}'s inventory. Sync it first: outpost inventory sync --site ${site.name}`, { vm: ref });
    if (rows.length > 1) throw new OutpostError('CONFLICT', `${rows.length} VMs in ${site.name} are named "${ref}"; give the moref instead (${rows.map((r) => r.moref).join(', ')}).`, { morefs: rows.map((r) => r.moref) });
    return rows[0]!;
  }

  async vmByMoref(siteId: number, moref: string): Promise<InventoryVm | null> {
    return await this.inventory.vmDetails(siteId, moref);
  }

  /** One logged-in session per site, shared by the batch (the session logs in again by itself). */
  async session(siteId: number): Promise<VsphereSession> {
    let s = this.sessions.get(siteId);
    if (!s) {
      s = storedSiteById(this.o.db, siteId).then((site) => connectSite(this.o.db, this.o.credentials, site));
      s.catch(() => this.sessions.delete(siteId));
      this.sessions.set(siteId, s);
    }
    return s;
  }

  /** What vCenter says about the VM now (a run must not trust a stale inventory row). */
  async liveFacts(siteId: number, moref: string): Promise<VmFacts> {
    const session = await this.session(siteId);
    const p = await readProperties(session, { type: 'VirtualMachine', value: moref }, ['runtime.powerState', 'guest.toolsRunningStatus', 'guest.ipAddress', 'guest.guestId', 'guest.guestFullName', 'config.guestFullName', 'config.guestId']).catch((err: unknown) => {
      // A deleted VM's moref is a fault, not an empty answer: both mean the VM is gone.
      if (isFault(err, 'ManagedObjectNotFound')) return new Map<string, unknown>();
      throw err;
    });
    if (p.size === 0) throw new OutpostError('NOT_FOUND', `vCenter no longer has VM ${moref}.`, { moref });
    const str = (k: string): string | null => (typeof p.get(k) === 'string' ? (p.get(k) as string) : null);
    const ip = str('guest.ipAddress');
    return {
      powerState: str('runtime.powerState'),
      toolsRunningStatus: str('guest.toolsRunningStatus'),
      ipAddress: ip,
      ipAddresses: ip ? [ip] : [],
      guestId: str('guest.guestId') ?? str('config.guestId'),
      guestFullName: str('guest.guestFullName') ?? str('config.guestFullName'),
    };
  }

  /** Stops a run whose VM went down under it (checked before the guest is changed). */
  async assertRunning(siteId: number, moref: string, vmName: string): Promise<void> {
    const f = await this.liveFacts(siteId, moref);
    if (f.powerState !== 'poweredOn') throw new OutpostError('ENROLL_INELIGIBLE', `${vmName} is ${f.powerState ?? 'gone'} now (it was powered on when enrollment started); power it on and enroll it again.`, { powerState: f.powerState });
  }

  /** How to reach a guest with a credential profile. */
  async endpoint(credential: string, host: string, rule: Pick<OsRule, 'family' | 'access'>, extra: { sudo?: boolean; port?: number } = {}): Promise<GuestEndpoint> {
    const { user, auth } = await this.o.remote.credentials.sshAuth(credential);
    if (!user) throw new OutpostError('VALIDATION', `Credential "${credential}" has no user name; save one with it.`);
    return { family: rule.family, host, port: extra.port ?? (rule.access === 'winrm' ? 5986 : 22), user, auth, ...(extra.sudo ? { sudo: true } : {}) };
  }

  /**
   * Validates the guest credentials: the vSphere guest API when the profile is a password, else (or
   * when vCenter does not implement it) a login over SSH / WinRM. Returns which method answered.
   */
  async validateCredentials(siteId: number, moref: string, credential: string, host: string, rule: OsRule, log: (m: string) => void = () => undefined): Promise<CredentialMethod> {
    const profile = await this.o.remote.credentials.byName(credential);
    if (profile.kind === 'password' && profile.username) {
      const { password } = await this.o.remote.credentials.password(credential);
      const outcome = await validateCredentialsInGuest(await this.session(siteId), { type: 'VirtualMachine', value: moref }, { username: profile.username, password });
      if (outcome.ok) return 'guest-api';
      log(`The vSphere guest API cannot validate credentials here (${outcome.unsupported}); logging in over ${rule.access === 'winrm' ? 'WinRM' : 'SSH'} instead.`);
    }
    const endpoint = await this.endpoint(credential, host, rule);
    try {
      await this.guests.login(endpoint);
    } catch (err) {
      const e = toContractError(err);
      if (e.code === 'SSH_AUTH' || e.code === 'WINRM_AUTH') {
        throw new OutpostError('GUEST_AUTH', `The guest at ${host} refused the credentials of profile "${credential}" (${rule.access === 'winrm' ? 'WinRM' : 'SSH'} login). Check the user name and password or key.`, { method: rule.access, cause: e.code });
      }
      throw err;
    }
    return rule.access === 'winrm' ? 'winrm' : 'ssh';
  }

  /** The VM's BIOS UUID as vCenter knows it now (config.uuid), canonical form; null when vCenter has none. */
  async biosUuid(siteId: number, moref: string): Promise<string | null> {
    const session = await this.session(siteId);
    const p = await readProperties(session, { type: 'VirtualMachine', value: moref }, ['config.uuid']);
    if (p.size === 0) throw new OutpostError('NOT_FOUND', `vCenter no longer has VM ${moref}.`, { moref });
    const v = p.get('config.uuid');
    return typeof v === 'string' ? canonicalUuid(v) : null;
  }

  /**
   * Confirms that the machine answering at the endpoint is this VM, before anything beyond the first
   * login is sent to it: its SMBIOS UUID (read in the guest) must be the VM's BIOS UUID (from vCenter).
   * Tools report whatever address the guest last had; a stale report or an IP conflict puts another
   * machine there, and it must get neither further credentials nor a public NAT.
   */
  async confirmIdentity(siteId: number, moref: string, vmName: string, endpoint: GuestEndpoint): Promise<GuestIdentity> {
    const host = endpoint.host;
    const vmUuid = await this.biosUuid(siteId, moref);
    if (!vmUuid) {
      throw new OutpostError('GUEST_IDENTITY_UNKNOWN', `vCenter reports no BIOS UUID (config.uuid) for ${vmName}, so Outpost cannot confirm that the machine at ${host} is this VM. Check the VM's configuration in vCenter. Nothing was changed.`, { host, vmUuid: null, guestUuid: null });
    }
    const said = keyValues(await this.guests.must({ ...endpoint, sudo: false }, 'Reading the guest\'s SMBIOS UUID', identityScript(endpoint.family), {}, { timeoutMs: 20_000 }));
    const raw = said.get('uuid') ?? '';
    const guestUuid = canonicalUuid(raw);
    if (!guestUuid) {
      const how =
        endpoint.family === 'windows'
          ? 'Win32_ComputerSystemProduct gave no UUID'
          : 'reading /sys/class/dmi/id/product_uuid needs root: use a root credential or one with passwordless sudo (or install dmidecode)';
      throw new OutpostError('GUEST_IDENTITY_UNKNOWN', `The machine at ${host} did not tell its SMBIOS UUID${raw ? ` (it said "${raw.slice(0, 80)}")` : ''}, so Outpost cannot confirm it is ${vmName} (BIOS UUID ${vmUuid}): ${how}. Nothing was changed.`, { host, vmUuid, guestUuid: null });
    }
    const match = compareUuids(vmUuid, guestUuid);
    if (match === 'different') {
      throw new OutpostError(
        'GUEST_IDENTITY_MISMATCH',
        `The machine answering at ${host} is not ${vmName}: its SMBIOS UUID is ${guestUuid}, but the VM's BIOS UUID in vCenter is ${vmUuid}. VMware Tools may report a stale address, or another machine holds ${host} (an IP conflict, a clone). Check the address inside the VM's console and which machine owns ${host}, then enroll again. Nothing was changed in the guest or on the firewall, and no further credentials were sent.`,
        { host, vmUuid, guestUuid },
      );
    }
    return { host, vmUuid, guestUuid, match, source: said.get('source') || 'unknown' };
  }

  /** Runs the OS probe in the guest. */
  async probe(endpoint: GuestEndpoint, rule: OsRule): Promise<GuestReport & { root: boolean }> {
    const out = await this.guests.must(endpoint, 'The OS check', probeScript(rule.family), { SERVICES: rule.requiredServices.join(' ') }, { timeoutMs: 30_000 });
    const report = parseGuestReport(out);
    return { ...report, root: rule.family === 'windows' || /(^|\n)uid=0\s*(\n|$)/.test(out) };
  }

  /** The private pool that contains an address, if the operator keeps one. */
  async privatePoolFor(ip: string): Promise<string | null> {
    const address = parseAddress(ip);
    for (const p of await this.o.ipam.pools()) {
      if (p.kind !== 'private') continue;
      const net = parseNetwork(p.cidr);
      if (net.family === address.family && contains(net, address)) return p.name;
    }
    return null;
  }

  /** The service account's key: a private-key profile (Outpost's own one is generated once and sealed in the vault). */
  async serviceKey(name: string | undefined, account: string, actor: string): Promise<ServiceKey> {
    const credential = name ?? DEFAULT_SERVICE_CREDENTIAL;
    let exists = true;
    try {
      await this.o.remote.credentials.byName(credential);
    } catch (err) {
      if (!(err instanceof OutpostError) || err.code !== 'NOT_FOUND' || name !== undefined) throw err;
      exists = false;
    }
    if (!exists) {
      const pair = generateEd25519KeyPair(DEFAULT_SERVICE_CREDENTIAL);
      await this.o.remote.credentials.add({ name: credential, username: account, scope: { type: 'global' }, secret: { type: 'private-key', privateKey: pair.private } }, actor);
    }
    const { auth } = await this.o.remote.credentials.sshAuth(credential);
    if (auth.type !== 'private-key') throw new OutpostError('VALIDATION', `Service credential "${credential}" must be a private-key profile.`);
    const parsed = ssh2.utils.parseKey(auth.privateKey, auth.passphrase);
    if (parsed instanceof Error) throw new OutpostError('VALIDATION', `Service credential "${credential}" holds a key Outpost cannot read: ${parsed.message}`);
    const key = Array.isArray(parsed) ? parsed[0]! : parsed;
    return { credential, publicKey: `${key.type} ${key.getPublicSSH().toString('base64')} ${credential}` };
  }

  /** The service account's SSH authentication (the private key, from the vault). */
  async serviceAuth(credential: string): Promise<ReturnType<RemoteAccessService['credentials']['sshAuth']>> {
    return await this.o.remote.credentials.sshAuth(credential);
  }

  /** The stored context of a procedure run (offboarding reads what enrollment did). */
  async procedureContext(procedureId: string): Promise<unknown> {
    const run = await new ProcedureStore(this.o.db).get(procedureId);
    if (!run) throw new OutpostError('NOT_FOUND', `No procedure run ${procedureId}.`);
    return run.context;
  }

  /** Per-VM requirement results before anything changes. */
  async check(input: CommandParsedInput<'enrollment.check'>): Promise<EnrollmentCheck> {
    const site = await this.site(input.site);
    const rules = this.osRules();
    await this.o.remote.credentials.byName(input.credential);
    const targets = await this.targetChecks(input.firewall, input.pool);
    const poolFree = await this.poolFree(input.pool);
    const vms = await runBounded(input.vms, 8, (ref) => this.checkOne(site, ref, input, rules));
    return { site: site.name, vms, targets, poolFree };
  }

  private async checkOne(site: StoredSite, ref: string, input: CommandParsedInput<'enrollment.check'>, rules: OsRule[]): Promise<VmEligibility> {
    let vm: InventoryVm;
    try {
      vm = await this.resolveVm(site, ref);
    } catch (err) {
      const e = toContractError(err);
      return { vm: ref, name: null, moref: null, instanceUuid: null, guestFullName: null, privateIp: null, osRule: null, credentialMethod: null, eligible: false, checks: [{ id: 'found', label: 'In the inventory', status: 'fail', message: e.message, code: e.code }] };
    }
    const { checks, rule, privateIp } = inventoryRequirements(vm, await this.cmdb.active(site.id, vm.moref), rules);
    let method: CredentialMethod | null = null;
    const guestIds = ['credentials', 'identity', 'os-version', 'free-disk', 'services'] as const;
    const labels: Record<(typeof guestIds)[number], string> = { credentials: 'Guest credentials', identity: 'The machine at the address is this VM', 'os-version': 'Supported OS version', 'free-disk': 'Free disk', services: 'Required services' };
    const skipAll = (why: string): void => {
      for (const id of guestIds) checks.push({ id, label: labels[id], status: 'skipped', message: why, code: null });
    };
    if (!input.guest) skipAll('guest checks not requested');
    else if (checks.some((c) => c.status === 'fail') || !rule || !privateIp) skipAll('an inventory check failed');
    else {
      try {
        method = await this.validateCredentials(site.id, vm.moref, input.credential, privateIp, rule);
        checks.push({ id: 'credentials', label: labels.credentials, status: 'pass', message: `accepted (${method})`, code: null });
        const endpoint = await this.endpoint(input.credential, privateIp, rule);
        let identified = false;
        try {
          const who = await this.confirmIdentity(site.id, vm.moref, vm.name, endpoint);
          checks.push({ id: 'identity', label: labels.identity, status: 'pass', message: `SMBIOS UUID ${who.guestUuid}${who.match === 'byte-swapped' ? ' (byte-swapped form)' : ''}`, code: null });
          identified = true;
        } catch (err) {
          const e = toContractError(err);
          checks.push({ id: 'identity', label: labels.identity, status: 'fail', message: e.message, code: e.code });
          // Another (or an unconfirmed) machine: run nothing more there.
          for (const id of guestIds.slice(2)) checks.push({ id, label: labels[id], status: 'skipped', message: 'the machine at the address is not confirmed to be this VM', code: null });
        }
        if (identified) {
          try {
            const report = await this.probe(endpoint, rule);
            checks.push(...evaluateGuest(rule, report));
          } catch (err) {
            const e = toContractError(err);
            for (const id of guestIds.slice(2)) checks.push({ id, label: labels[id], status: 'fail', message: e.message, code: e.code });
          }
        }
      } catch (err) {
        const e = toContractError(err);
        checks.push({ id: 'credentials', label: labels.credentials, status: 'fail', message: e.message, code: e.code });
        for (const id of guestIds.slice(1)) checks.push({ id, label: labels[id], status: 'skipped', message: 'the guest login failed', code: null });
      }
    }
    return {
      vm: ref,
      name: vm.name,
      moref: vm.moref,
      instanceUuid: vm.instanceUuid,
      guestFullName: vm.guestFullName,
      privateIp,
      osRule: rule?.id ?? null,
      credentialMethod: method,
      eligible: !checks.some((c) => c.status === 'fail'),
      checks,
    };
  }

  private async targetChecks(firewall: string, pool: string): Promise<RequirementResult[]> {
    const out: RequirementResult[] = [];
    try {
      const fw = await this.o.nat.firewall(firewall);
      if (fw.driver === 'manual') out.push({ id: 'firewall', label: `Firewall ${firewall}`, status: 'warn', message: 'manual firewall: each NAT waits for the operator to apply the rules and approve', code: null });
      else {
        await (await this.o.nat.driver(firewall)).observe();
        out.push({ id: 'firewall', label: `Firewall ${firewall}`, status: 'pass', message: `${fw.driver}, reachable`, code: null });
      }
    } catch (err) {
      const e = toContractError(err);
      out.push({ id: 'firewall', label: `Firewall ${firewall}`, status: 'fail', message: e.message, code: e.code });
    }
    try {
      const p = await this.o.ipam.pool(pool);
      const free = await this.poolFree(pool);
      if (p.kind !== 'public') out.push({ id: 'pool', label: `Pool ${pool}`, status: 'fail', message: `${pool} is a ${p.kind} pool; pick a public one.`, code: 'VALIDATION' });
      else if (free === '0') out.push({ id: 'pool', label: `Pool ${pool}`, status: 'fail', message: `${pool} has no free address.`, code: 'POOL_EXHAUSTED' });
      else out.push({ id: 'pool', label: `Pool ${pool}`, status: 'pass', message: `${free} addresses free`, code: null });
    } catch (err) {
      const e = toContractError(err);
      out.push({ id: 'pool', label: `Pool ${pool}`, status: 'fail', message: e.message, code: e.code });
    }
    return out;
  }

  private async poolFree(pool: string): Promise<string | null> {
    const p = (await this.o.ipam.pools()).find((x) => x.name === pool);
    if (!p) return null;
    const free = BigInt(p.size) - BigInt(p.allocated) - BigInt(p.reservedCount);
    return (free < 0n ? 0n : free).toString();
  }

  /** Starts one enroll-vm procedure per VM; they run `concurrency` at a time in this process. */
  async start(input: CommandParsedInput<'enrollment.start'>, actor: string): Promise<BatchStarted> {
    const engine = this.requireEngine();
    const site = await this.site(input.site);
    await this.o.remote.credentials.byName(input.credential);
    await this.o.nat.firewall(input.firewall);
    const pool = await this.o.ipam.pool(input.pool);
    if (pool.kind !== 'public') throw new OutpostError('VALIDATION', `Pool ${input.pool} is ${pool.kind}; enrollment allocates public addresses.`);
    this.currentActor = actor;
    const key = await this.serviceKey(input.serviceCredential, input.serviceAccount, actor);
    const batchId = randomUUID();
    const seen = new Set<string>();
    const items: BatchItem[] = await inOrder(input.vms, async (ref): Promise<BatchItem> => {
      try {
        const vm = await this.resolveVm(site, ref);
        if (seen.has(vm.moref)) throw new OutpostError('CONFLICT', `${vm.name} is listed twice in this batch.`);
        seen.add(vm.moref);
        const procedureId = await engine.start(
          'enroll-vm',
          {
            batchId,
            site: site.name,
            siteId: site.id,
            vmMoref: vm.moref,
            vmName: vm.name,
            instanceUuid: vm.instanceUuid,
            credential: input.credential,
            firewall: input.firewall,
            pool: input.pool,
            serviceAccount: input.serviceAccount,
            serviceCredential: key.credential,
            servicePublicKey: key.publicKey,
            setHostname: input.setHostname,
            osActions: input.osActions,
          },
          actor,
          { defer: true },
        );
        return { vm: ref, name: vm.name, procedureId, error: null };
      } catch (err) {
        return { vm: ref, name: null, procedureId: null, error: toContractError(err) };
      }
    });
    await this.o.audit.append({ actor, action: 'enrollment.batch.start', target: site.name, details: { batchId, vms: items.length, started: items.filter((i) => i.procedureId).length, concurrency: input.concurrency, firewall: input.firewall, pool: input.pool, credential: input.credential } });
    this.runBatch(batchId, items, input.concurrency, actor);
    return { batchId, concurrency: input.concurrency, items };
  }

  /** Starts one offboard-vm procedure per enrolled VM. */
  async offboard(input: CommandParsedInput<'enrollment.offboard'>, actor: string): Promise<BatchStarted> {
    const engine = this.requireEngine();
    const site = await this.site(input.site);
    this.currentActor = actor;
    const batchId = randomUUID();
    const items: BatchItem[] = await inOrder(input.vms, async (ref): Promise<BatchItem> => {
      try {
        const vm = await this.resolveVmOrEnrolled(site, ref);
        const record = await this.cmdb.active(site.id, vm.moref);
        if (!record) throw new OutpostError('NOT_FOUND', `${vm.name} is not enrolled.`, { vm: ref });
        const procedureId = await engine.start('offboard-vm', { batchId, site: site.name, siteId: site.id, vmMoref: vm.moref, vmName: vm.name, cmdbId: record.id, removeAccount: input.removeAccount }, actor, { defer: true });
        return { vm: ref, name: vm.name, procedureId, error: null };
      } catch (err) {
        return { vm: ref, name: null, procedureId: null, error: toContractError(err) };
      }
    });
    await this.o.audit.append({ actor, action: 'enrollment.batch.offboard', target: site.name, details: { batchId, vms: items.length, started: items.filter((i) => i.procedureId).length } });
    this.runBatch(batchId, items, input.concurrency, actor);
    return { batchId, concurrency: input.concurrency, items };
  }

  /** A VM to offboard may have left the inventory since: the CMDB still knows it by name or moref. */
  private async resolveVmOrEnrolled(site: StoredSite, ref: string): Promise<{ moref: string; name: string }> {
    try {
      return await this.resolveVm(site, ref);
    } catch (err) {
      const record = await this.cmdb.activeByRef(site.id, ref);
      if (!record) throw err;
      return { moref: record.vmMoref, name: record.vmName };
    }
  }

  /** Resolves when every run of the batch has settled, failed or stopped at a gate (CLI, tests, bench). */
  async whenBatchDone(batchId: string): Promise<void> {
    await this.batches.get(batchId);
  }

  private runBatch(batchId: string, items: BatchItem[], concurrency: number, actor: string): void {
    const engine = this.requireEngine();
    const ids = items.flatMap((i) => (i.procedureId ? [i.procedureId] : []));
    const done = runBounded(ids, concurrency, (id) => engine.run(id, actor)).then(
      () => undefined,
      () => undefined,
    );
    this.batches.set(batchId, done);
  }

  async list(q: CommandParsedInput<'cmdb.list'>): Promise<CmdbRecord[]> {
    return await this.cmdb.list(q);
  }

  async orphans(q: CommandParsedInput<'cmdb.orphans'>): Promise<CommandOutput<'cmdb.orphans'>> {
    if (q.site) await this.site(q.site);
    return await this.follower.attention(q.site);
  }

  async exportCsv(q: CommandParsedInput<'cmdb.exportCsv'>): Promise<CommandOutput<'cmdb.exportCsv'>> {
    const rows = await this.cmdb.list(q);
    return { filename: `outpost-cmdb-${new Date().toISOString().slice(0, 10)}.csv`, csv: cmdbCsv(rows), rows: rows.length };
  }

  /** Tells the UI a CMDB row changed. */
  cmdbChanged(site: string, vmMoref: string, vmName: string, change: 'enrolled' | 'offboarded'): void {
    this.o.bus?.emit('cmdb.changed', { site, vmMoref, vmName, change });
  }

  private requireEngine(): ProcedureEngine {
    if (!this.engine) throw new OutpostError('INTERNAL', 'The enrollment service has no procedure engine.');
    return this.engine;
  }

  close(): void {
    this.guests.close();
    for (const s of this.sessions.values()) s.then((x) => x.logout()).catch(() => undefined);
    this.sessions.clear();
  }
}

export { onPath };

/** Maps one item after the other (a batch checks each VM against the ones before it). */
async function inOrder<T, R>(items: readonly T[], map: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (const item of items) out.push(await map(item));
  return out;
}
