import { z } from 'zod';
import { credentialMethodSchema, osFamilySchema } from '../contract/enrollment.js';
import { OutpostError, toContractError } from '../contract/errors.js';
import { runEnrollPlaybook } from './ansible-runner.js';
import { inventoryRequirements, privateOwner, type EnrollmentService } from './enrollment-service.js';
import { actionsScript, evaluateGuest, hostnameFor, keyValues } from './guest-scripts.js';
import { clearGuestInfo, enrollmentGuestInfoEntries, injectGuestInfo } from './enrollment-guestinfo.js';
import { changedNothing } from '../nat/firewall-driver.js';
import { verifyNatApplied } from '../nat/nat-verify.js';
import type { NatProcedureServices } from '../nat/nat-add.procedure.js';
import { defineProcedure, type StepRun } from '../procedures/procedure.js';

/** What enrolment and offboarding steps use: the NAT procedures' services plus enrolment's own. */
export interface EnrollmentProcedureServices extends NatProcedureServices {
  enrollment: EnrollmentService;
}

const context = z.object({
  batchId: z.string(),
  site: z.string(),
  siteId: z.number().int(),
  vmMoref: z.string(),
  vmName: z.string(),
  instanceUuid: z.string().nullable(),
  credential: z.string(),
  firewall: z.string(),
  pool: z.string(),
  serviceAccount: z.string(),
  serviceCredential: z.string(),
  servicePublicKey: z.string(),
  setHostname: z.boolean(),
  osActions: z.enum(['auto', 'builtin', 'ansible']),
  // Filled in by the steps:
  osRule: z.string().optional(),
  family: osFamilySchema.optional(),
  guestOs: z.string().nullable().optional(),
  privateIp: z.string().optional(),
  credentialMethod: credentialMethodSchema.optional(),
  guestSudo: z.boolean().optional(),
  hostKey: z.string().optional(),
  /** The guest's host name before enrollment (restored by undo and offboarding). */
  guestHostname: z.string().optional(),
  publicIp: z.string().optional(),
  natRecordId: z.number().int().optional(),
  manualInstructions: z.string().optional(),
  cmdbId: z.number().int().optional(),
  /** The guestinfo.outpost.* keys this run wrote, and what they held before (restored by undo and offboarding). */
  guestInfo: z.array(z.object({ key: z.string(), value: z.string() })).optional(),
  guestInfoBefore: z.array(z.object({ key: z.string(), value: z.string() })).optional(),
});
export type EnrollVmContext = z.infer<typeof context>;
export const enrollVmContextSchema = context;

type Run = StepRun<EnrollVmContext, EnrollmentProcedureServices>;

export function enrollment(run: Pick<Run, 'services'>): EnrollmentService {
  return run.services.enrollment;
}

const need = <T>(value: T | undefined, what: string): T => {
  if (value === undefined) throw new OutpostError('INTERNAL', `Enrollment: ${what} is not known yet (an earlier step has not run).`);
  return value;
};

export const ruleOf = (e: EnrollmentService, id: string | undefined) => {
  const rule = e.osRules().find((r) => r.id === need(id, 'the OS rule'));
  if (!rule) throw new OutpostError('OS_REQUIREMENT', `OS rule ${id} is no longer in os-requirements.json.`);
  return rule;
};

/** The guest over its private address with the operator's credential. */
const adminEndpoint = async (e: EnrollmentService, c: EnrollVmContext) => {
  const rule = ruleOf(e, c.osRule);
  return { rule, endpoint: await e.endpoint(c.credential, need(c.privateIp, 'the private IP'), rule, { sudo: c.guestSudo === true }) };
};

const mapping = (c: EnrollVmContext) => ({ recordId: need(c.natRecordId, 'the NAT record'), publicIp: need(c.publicIp, 'the public IP'), privateIp: need(c.privateIp, 'the private IP') });

/** Errors that mean "the guest cannot be reached", so an undo can say what is left instead of stopping the rollback. */
const unreachable = (err: unknown): boolean => ['UNREACHABLE', 'TIMEOUT', 'SSH_AUTH', 'WINRM_AUTH', 'GUEST_AUTH', 'ENROLL_INELIGIBLE'].includes(toContractError(err).code);

/**
 * Guest OS enrollment of one VM (GOSS, seed 000): eligibility → guest credentials → the guest is
 * this VM (SMBIOS UUID) → OS checks →
 * private IP in IPAM → public IP → NAT → OS actions → access through the public IP → CMDB →
 * guestinfo.outpost.* keys on the VM (what was assigned, for the guest to read with VMware Tools).
 * Every step is an ensure with an undo; a failure rolls the VM back to where it was.
 */
export const enrollVm = defineProcedure<EnrollVmContext, EnrollmentProcedureServices>({
  kind: 'enroll-vm',
  title: 'Enroll a VM in Guest OS Services',
  context,
  target: (c) => `${c.site}/${c.vmName}`,
  steps: [
    {
      name: 'check-eligibility',
      title: 'Powered on, VMware Tools running, not enrolled yet',
      async run({ context: c, services, procedureId }) {
        const e = enrollment({ services });
        const facts = await e.liveFacts(c.siteId, c.vmMoref);
        const active = await e.cmdb.active(c.siteId, c.vmMoref);
        const { checks, rule, privateIp } = inventoryRequirements(facts, active && active.enrollProcedureId !== procedureId ? active : null, e.osRules());
        const failed = checks.filter((x) => x.status === 'fail');
        if (failed.length > 0) {
          const code = failed.some((f) => f.code === 'OS_REQUIREMENT') && failed.every((f) => f.code === 'OS_REQUIREMENT') ? 'OS_REQUIREMENT' : 'ENROLL_INELIGIBLE';
          throw new OutpostError(code, `${c.vmName} cannot be enrolled: ${failed.map((f) => f.message).join(' ')}`, { checks: failed });
        }
        return { output: { checks }, context: { osRule: rule!.id, family: rule!.family, privateIp: privateIp!, guestOs: facts.guestFullName } };
      },
    },
    {
      name: 'validate-credentials',
      title: 'Validate the guest credentials (vSphere guest API, else SSH / WinRM)',
      async run({ context: c, services, log }) {
        const e = enrollment({ services });
        const rule = ruleOf(e, c.osRule);
        const method = await e.validateCredentials(c.siteId, c.vmMoref, c.credential, need(c.privateIp, 'the private IP'), rule, (m) => log('info', m));
        log('info', `Guest credentials accepted (${method}).`);
        return { output: { method }, context: { credentialMethod: method } };
      },
    },
    {
      // Right after the first login and before anything else reaches the guest (the OS probe, the
      // account and key, sudo) or the firewall: the machine at the Tools-reported address must be
      // this VM. A stale address or an IP conflict would otherwise enroll (and NAT) another machine.
      name: 'check-identity',
      title: 'Confirm the machine at the private IP is this VM (SMBIOS UUID = BIOS UUID)',
      async run({ context: c, services, log }) {
        const e = enrollment({ services });
        const { rule, endpoint } = await adminEndpoint(e, c);
        const who = await e.confirmIdentity(c.siteId, c.vmMoref, c.vmName, { ...endpoint, sudo: false });
        const hostKey = rule.family === 'linux' ? e.guests.hostKeys.seen(endpoint.host, endpoint.port) : undefined;
        log('info', `${endpoint.host} is ${c.vmName}: SMBIOS UUID ${who.guestUuid} (${who.source})${who.match === 'byte-swapped' ? `, the byte-swapped form of the BIOS UUID ${who.vmUuid} (older virtual hardware)` : ' = BIOS UUID'}${hostKey ? `; host key ${hostKey}` : ''}.`);
        return { output: { vmUuid: who.vmUuid, guestUuid: who.guestUuid, match: who.match, source: who.source, ...(hostKey ? { hostKey } : {}) }, context: hostKey ? { hostKey } : {} };
      },
    },
    {
      name: 'check-os',
      title: 'OS requirements: version, free disk, services',
      async run({ context: c, services, log }) {
        const e = enrollment({ services });
        const { rule, endpoint } = await adminEndpoint(e, c);
        const report = await e.probe({ ...endpoint, sudo: false }, rule);
        const results = evaluateGuest(rule, report);
        const failed = results.filter((r) => r.status === 'fail');
        if (failed.length > 0) throw new OutpostError('OS_REQUIREMENT', `${c.vmName}: ${failed.map((f) => f.message).join(' ')}`, { checks: failed });
        const hostKey = rule.family === 'linux' ? e.guests.hostKeys.seen(endpoint.host, endpoint.port) : undefined;
        if (hostKey) log('info', `Guest host key at ${endpoint.host}:${endpoint.port}: ${hostKey}`);
        return { output: { results, os: `${report.name} ${report.version}`.trim() }, context: { guestSudo: !report.root, guestHostname: report.hostname, ...(hostKey ? { hostKey } : {}) } };
      },
    },
    {
      name: 'record-private-ip',
      title: 'Record the private IP in IPAM',
      async run({ context: c, services, procedureId, actor, log }) {
        const ip = need(c.privateIp, 'the private IP');
        const pool = await enrollment({ services }).privatePoolFor(ip);
        if (!pool) {
          log('warn', `No private pool contains ${ip}; add one (outpost ipam pool add --kind private) to have IPAM track guest addresses.`);
          return { output: { recorded: false } };
        }
        const a = await services.ipam.allocate({ pool, owner: privateOwner(c.site, c.vmMoref), purpose: 'guest-private', address: ip, procedureId }, actor);
        return { output: { recorded: true, pool: a.pool, address: a.address } };
      },
      async undo({ context: c, services, actor, procedureId }) {
        if (!c.privateIp) return;
        const pool = await enrollment({ services }).privatePoolFor(c.privateIp);
        // Only this run's allocation: allocate is an ensure, so the owner may hold an address an
        // earlier run or an operator made, and a rollback must not take that one back.
        if (pool) await services.ipam.release({ pool, owner: privateOwner(c.site, c.vmMoref), purpose: 'guest-private', procedureId }, actor);
      },
    },
    {
      name: 'allocate-public-ip',
      title: 'Allocate a public IP',
      async run({ context: c, services, procedureId, actor }) {
        const a = await services.ipam.allocate({ pool: c.pool, owner: privateOwner(c.site, c.vmMoref), purpose: 'public-nat', procedureId }, actor);
        return { output: { address: a.address, pool: a.pool }, context: { publicIp: a.address } };
      },
      async undo({ context: c, services, actor, procedureId }) {
        await services.ipam.release({ pool: c.pool, owner: privateOwner(c.site, c.vmMoref), purpose: 'public-nat', procedureId }, actor);
      },
    },
    {
      name: 'ensure-nat',
      title: 'Ensure the 1:1 NAT on the firewall',
      async run({ context: c, services, procedureId, actor, log }) {
        const r = await services.nat.ensureRecord({ firewall: c.firewall, publicIp: need(c.publicIp, 'the public IP'), privateIp: need(c.privateIp, 'the private IP'), vm: `${c.site}/${c.vmName}`, procedureId }, actor);
        if (r.procedureId !== procedureId) throw new OutpostError('NAT_CONFLICT', `${r.publicIp} <-> ${r.privateIp} already exists on ${r.firewall} (record ${r.id}, not made by this enrollment); remove it first.`, { recordId: r.id, changed: false });
        // As nat.add does: an address under an allow-list (the firewall's own) gets it before its NAT, so it is never open.
        let policyInstructions: string | undefined;
        if (await services.natPolicy.guards(c.firewall, r.publicIp)) {
          const policy = await services.natPolicy.apply(c.firewall);
          if (policy.applied) await services.natPolicy.verify(c.firewall);
          else policyInstructions = policy.instructions;
        }
        const outcome = await (await services.nat.driver(c.firewall)).ensure({ recordId: r.id, publicIp: r.publicIp, privateIp: r.privateIp });
        if (!outcome.applied) {
          log('info', 'This firewall is driven by hand: the commands are in the approval step.');
          const instructions = policyInstructions ? `${policyInstructions}\n${outcome.instructions}` : outcome.instructions;
          return { output: { recordId: r.id, applied: false }, context: { natRecordId: r.id, manualInstructions: instructions } };
        }
        log('info', outcome.changed ? `NAT ${r.publicIp} <-> ${r.privateIp} added` : 'NAT rules were already in place');
        return { output: { recordId: r.id, applied: true, changed: outcome.changed }, context: { natRecordId: r.id } };
      },
      async undo({ context: c, services, actor, log, previousError, procedureId }) {
        const recordId = c.natRecordId ?? (c.publicIp ? await services.nat.liveByPublic(c.publicIp) : null)?.id;
        if (recordId === undefined) return;
        const record = await services.nat.record(recordId);
        if (record.state === 'removed' || record.privateIp !== c.privateIp) return;
        if (record.procedureId !== procedureId) return; // not ours: a conflict stopped us
        if (!changedNothing(previousError)) {
          const outcome = await (await services.nat.driver(c.firewall)).remove({ recordId, publicIp: record.publicIp, privateIp: record.privateIp });
          if (!outcome.applied) log('warn', `Remove these rules by hand if they were applied:\n${outcome.instructions}`);
        }
        await services.nat.setState(recordId, 'removed', actor);
      },
    },
    {
      name: 'nat-confirm',
      title: 'Operator applies the NAT and confirms',
      when: (c) => c.manualInstructions !== undefined,
      gate: { kind: 'approve', prompt: (c) => `Apply on firewall ${c.firewall} for ${c.vmName}, then approve:\n${c.manualInstructions ?? ''}` },
    },
    {
      name: 'verify-nat',
      title: 'Read the NAT back and mark it active',
      async run({ context: c, services, actor }) {
        if (c.manualInstructions === undefined) await verifyNatApplied(services.nat, c.firewall, mapping(c));
        await services.nat.setState(mapping(c).recordId, 'active', actor);
        return { output: { verified: c.manualInstructions === undefined } };
      },
      async undo({ context: c, services, actor }) {
        if (c.natRecordId !== undefined && (await services.nat.record(c.natRecordId)).state === 'active') await services.nat.setState(c.natRecordId, 'pending', actor);
      },
    },
    {
      name: 'os-actions',
      title: 'OS actions: service account, its key, host name, services',
      async run(run) {
        const { context: c, services, log, signal } = run;
        const e = enrollment({ services });
        await e.assertRunning(c.siteId, c.vmMoref, c.vmName);
        const { rule, endpoint } = await adminEndpoint(e, c);
        const hostname = hostnameFor(c.vmName);
        const useAnsible = rule.family === 'linux' && c.osActions !== 'builtin' && e.rules().ansibleAvailable && endpoint.auth.type === 'private-key';
        if (c.osActions === 'ansible' && !useAnsible) throw new OutpostError('VALIDATION', 'Ansible OS actions need ansible-playbook on PATH, a Linux guest and a private-key credential (password SSH needs sshpass).');
        if (useAnsible) {
          await runEnrollPlaybook({
            endpoint,
            hostKey: need(c.hostKey, 'the guest host key'),
            vars: { outpost_account: c.serviceAccount, outpost_public_key: c.servicePublicKey, outpost_hostname: c.setHostname ? hostname : '', outpost_services: rule.requiredServices },
            signal,
            onLine: (line) => log('info', line),
          });
          return { output: { method: 'ansible' } };
        }
        const env = { U: c.serviceAccount, K: c.servicePublicKey, N: hostname, SERVICES: rule.requiredServices.join(' ') };
        // One round trip: account, key, host name, services (each idempotent; the first failure stops the rest).
        const actions = ['ensure-account', 'install-key', ...(c.setHostname ? (['set-hostname'] as const) : []), 'enable-services'] as const;
        const said = await e.guests.must(endpoint, 'The OS actions (account, key, host name, services)', actionsScript(rule.family, actions), env, { signal });
        const account = keyValues(said);
        log('info', `Service account ${c.serviceAccount}: ${account.get('account') ?? '?'}; key: ${account.get('key') ?? '?'}${c.setHostname ? `; host name: ${account.get('hostname') ?? hostname}` : ''}`);
        const enabled = said.split(/\r?\n/).filter((line) => line.startsWith('service:'));
        if (enabled.length > 0) log('info', `Services: ${enabled.map((line) => line.slice('service:'.length)).join(', ')}`);
        return { output: { method: 'builtin', account: account.get('account') ?? null } };
      },
      async undo(run) {
        const { context: c, services, log } = run;
        const e = enrollment({ services });
        if (!c.osRule || !c.privateIp) return;
        try {
          await revertGuest(e, c);
        } catch (err) {
          if (!unreachable(err)) throw err;
          log('warn', `Could not reach the guest to revert the OS actions (${toContractError(err).message}). Remove account ${c.serviceAccount} and its key by hand.`);
        }
      },
    },
    {
      name: 'verify-access',
      title: 'Log in through the public IP as the service account',
      async run({ context: c, services, log }) {
        const e = enrollment({ services });
        const rule = ruleOf(e, c.osRule);
        const publicIp = need(c.publicIp, 'the public IP');
        if (rule.family === 'windows') {
          const out = await e.guests.must(await e.endpoint(c.credential, publicIp, rule), 'Logging in through the public IP', '"user=$env:USERNAME"');
          return { output: { via: publicIp, user: keyValues(out).get('user') ?? null } };
        }
        const { auth } = await e.serviceAuth(c.serviceCredential);
        const out = keyValues(
          await e.guests.must({ family: 'linux', host: publicIp, port: 22, user: c.serviceAccount, auth, ...(c.hostKey ? { expectFingerprint: c.hostKey } : {}) }, 'Logging in through the public IP', 'echo "user=$(id -un)"; echo "hostname=$(hostname)"'),
        );
        if (out.get('user') !== c.serviceAccount) throw new OutpostError('VERIFY_FAILED', `Logged in through ${publicIp} but as ${out.get('user') ?? '?'}, not ${c.serviceAccount}.`);
        log('info', `${c.serviceAccount}@${publicIp} reached ${out.get('hostname') ?? '?'} with the enrolled host key.`);
        return { output: { via: publicIp, user: out.get('user'), hostname: out.get('hostname') ?? null } };
      },
    },
    {
      name: 'record-cmdb',
      title: 'Record the enrollment in the CMDB',
      async run({ context: c, services, procedureId, actor }) {
        const e = enrollment({ services });
        const { record, created } = await e.cmdb.ensure(
          {
            siteId: c.siteId,
            vmMoref: c.vmMoref,
            instanceUuid: c.instanceUuid,
            vmName: c.vmName,
            os: c.guestOs ?? null,
            osRule: c.osRule ?? null,
            privateIp: need(c.privateIp, 'the private IP'),
            publicIp: c.publicIp ?? null,
            natRecordId: c.natRecordId ?? null,
            firewall: c.firewall,
            credential: c.credential,
            serviceAccount: c.serviceAccount,
            credentialMethod: c.credentialMethod ?? null,
            procedureId,
          },
          actor,
        );
        if (record.enrollProcedureId !== procedureId) throw new OutpostError('CONFLICT', `${c.vmName} was enrolled by another run (${record.enrollProcedureId}) meanwhile.`);
        if (created) {
          await services.audit.append({ actor, action: 'enrollment.enroll', target: `${c.site}/${c.vmName}`, details: { procedureId, cmdbId: record.id, publicIp: c.publicIp, privateIp: c.privateIp, firewall: c.firewall, method: c.credentialMethod } });
          e.cmdbChanged(c.site, c.vmMoref, c.vmName, 'enrolled');
        }
        return { output: { cmdbId: record.id }, context: { cmdbId: record.id } };
      },
      async undo({ services, procedureId }) {
        await enrollment({ services }).cmdb.deleteCreatedBy(procedureId);
      },
    },
    {
      // Last, so the CMDB id exists: tools in the guest read what was assigned with VMware Tools.
      name: 'inject-guestinfo',
      title: 'Tell the guest its addresses, NAT and CMDB id (guestinfo.outpost.*)',
      async run({ context: c, services, log }) {
        const written = guestInfoOf(c);
        const before = await injectGuestInfo(enrollment({ services }), c.siteId, c.vmMoref, written);
        log('info', `Wrote ${written.map((x) => x.key).join(', ')}${before.length ? ` (replacing earlier values of ${before.map((x) => x.key).join(', ')})` : ''}.`);
        return { output: { keys: written.map((x) => x.key) }, context: { guestInfo: written, guestInfoBefore: before } };
      },
      async undo({ context: c, services, log }) {
        // A run killed inside this step has no context patch: what it wrote follows from the context.
        const written = c.guestInfo ?? (c.cmdbId !== undefined && c.privateIp ? guestInfoOf(c) : []);
        if (written.length === 0) return;
        try {
          const cleared = await clearGuestInfo(enrollment({ services }), c.siteId, c.vmMoref, written, c.guestInfoBefore ?? []);
          log('info', cleared.length ? `Took ${cleared.join(', ')} off the VM.` : 'No guestinfo key of this run is left on the VM.');
        } catch (err) {
          if (toContractError(err).code !== 'NOT_FOUND') throw err;
          log('warn', `${c.vmName} is gone from vCenter; its guestinfo keys went with it.`);
        }
      },
    },
  ],
});

/** The guestinfo.outpost.* entries an enrollment writes, from its context. */
export function guestInfoOf(c: Pick<EnrollVmContext, 'publicIp' | 'privateIp' | 'firewall' | 'natRecordId' | 'cmdbId'>) {
  return enrollmentGuestInfoEntries({ publicIp: c.publicIp ?? null, privateIp: need(c.privateIp, 'the private IP'), firewall: c.firewall, natRecordId: c.natRecordId ?? null, cmdbId: need(c.cmdbId, 'the CMDB id') });
}

/** Reverts the OS actions: the key, the account when enrollment created it (outpost-managed), the host name it changed. */
export async function revertGuest(
  e: EnrollmentService,
  c: Pick<EnrollVmContext, 'osRule' | 'privateIp' | 'credential' | 'guestSudo' | 'serviceAccount' | 'servicePublicKey' | 'setHostname' | 'guestHostname' | 'vmName'>,
  options: { removeAccount?: boolean } = {},
): Promise<string[]> {
  const rule = ruleOf(e, c.osRule);
  const endpoint = await e.endpoint(c.credential, need(c.privateIp, 'the private IP'), rule, { sudo: c.guestSudo === true });
  const env = { U: c.serviceAccount, K: c.servicePublicKey, N: c.guestHostname ?? '', SERVICES: '' };
  const restoreHostname = c.setHostname && c.guestHostname !== undefined && c.guestHostname !== '' && c.guestHostname !== hostnameFor(c.vmName);
  const actions = ['remove-key', ...(options.removeAccount !== false ? (['remove-account'] as const) : []), ...(restoreHostname ? (['set-hostname'] as const) : [])] as const;
  const said = keyValues(await e.guests.must(endpoint, 'Removing the service access', actionsScript(rule.family, actions), env));
  const done = ['key removed'];
  if (options.removeAccount !== false) done.push(`account ${c.serviceAccount}: ${said.get('account') ?? '?'}`);
  if (restoreHostname) done.push(`host name ${c.guestHostname} restored`);
  return done;
}
