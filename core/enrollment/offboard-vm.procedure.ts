import { z } from 'zod';
import { OutpostError, toContractError } from '../contract/errors.js';
import { clearGuestInfo } from './enrollment-guestinfo.js';
import { privateOwner } from './enrollment-service.js';
import { verifyNatGone } from '../nat/nat-verify.js';
import { enrollment, enrollVmContextSchema, revertGuest, type EnrollmentProcedureServices, type EnrollVmContext } from './enroll-vm.procedure.js';
import { defineProcedure } from '../procedures/procedure.js';

const context = z.object({
  batchId: z.string(),
  site: z.string(),
  siteId: z.number().int(),
  vmMoref: z.string(),
  vmName: z.string(),
  cmdbId: z.number().int(),
  removeAccount: z.boolean(),
  // Filled in by the steps (from the CMDB row and the enrollment run):
  enrollment: enrollVmContextSchema.optional(),
  manualInstructions: z.string().optional(),
});
export type OffboardVmContext = z.infer<typeof context>;

const enrolled = (c: OffboardVmContext): EnrollVmContext => {
  if (!c.enrollment) throw new OutpostError('INTERNAL', 'Offboarding: the enrollment has not been read yet.');
  return c.enrollment;
};

/**
 * Offboards one enrolled VM: every enrollment step reversed — guest access removed, guestinfo keys
 * taken off, NAT removed and
 * read back, public and private addresses released, the CMDB row closed (history stays). Stops
 * (does not roll back) on failure: re-enrolling a VM the operator asked to offboard is never the
 * safe default; fix the cause and retry.
 */
export const offboardVm = defineProcedure<OffboardVmContext, EnrollmentProcedureServices>({
  kind: 'offboard-vm',
  title: 'Offboard a VM from Guest OS Services',
  context,
  target: (c) => `${c.site}/${c.vmName}`,
  onFailure: 'stop',
  steps: [
    {
      name: 'read-enrollment',
      title: 'Read the CMDB record and the enrollment run',
      async run({ context: c, services, procedureId }) {
        const e = enrollment({ services });
        const record = await e.cmdb.byId(c.cmdbId);
        if (!record) throw new OutpostError('NOT_FOUND', `CMDB record ${c.cmdbId} is gone.`);
        if (record.status === 'offboarded' && record.offboardProcedureId !== procedureId) throw new OutpostError('CONFLICT', `${c.vmName} was already offboarded on ${record.offboardedAt}.`);
        if (!record.enrollProcedureId) throw new OutpostError('NOT_FOUND', `CMDB record ${c.cmdbId} does not name the run that enrolled it.`);
        const run = enrollVmContextSchema.parse(await e.procedureContext(record.enrollProcedureId));
        return { output: { cmdbId: record.id, publicIp: record.publicIp, privateIp: record.privateIp }, context: { enrollment: run } };
      },
    },
    {
      name: 'remove-guest-access',
      title: 'Remove the service key and account, restore the host name',
      async run({ context: c, services, log }) {
        const e = enrollment({ services });
        const en = enrolled(c);
        // A VM vCenter deleted has no guest left to change (and its old address may be someone
        // else's by now): nothing is sent there.
        const gone = await e.liveFacts(en.siteId, en.vmMoref).then(
          () => false,
          (err: unknown) => {
            if (toContractError(err).code === 'NOT_FOUND') return true;
            throw err;
          },
        );
        if (gone) {
          log('warn', `${c.vmName} was deleted in vCenter: there is no guest to remove the service access from.`);
          return { output: { reverted: [], skipped: 'deleted-in-vcenter' } };
        }
        try {
          const done = await revertGuest(e, en, { removeAccount: c.removeAccount });
          log('info', done.join('; '));
          return { output: { reverted: done } };
        } catch (err) {
          const code = toContractError(err).code;
          // A VM that is off or gone cannot be changed; its access dies with its NAT below. Say so.
          if (['UNREACHABLE', 'TIMEOUT'].includes(code)) {
            const facts = await e.liveFacts(en.siteId, en.vmMoref).catch(() => null);
            if (!facts || facts.powerState !== 'poweredOn') {
              log('warn', `${c.vmName} is ${facts?.powerState ?? 'gone'}: the service account ${en.serviceAccount} and its key stay in the guest; remove them when it runs again.`);
              return { output: { reverted: [], skipped: facts?.powerState ?? 'gone' } };
            }
          }
          throw err;
        }
      },
    },
    {
      name: 'clear-guestinfo',
      title: 'Take the guestinfo.outpost.* keys off the VM',
      async run({ context: c, services, log }) {
        const en = enrolled(c);
        // Enrollments made before guestinfo injection wrote none.
        if (!en.guestInfo || en.guestInfo.length === 0) return { output: { cleared: [] } };
        try {
          const cleared = await clearGuestInfo(enrollment({ services }), en.siteId, en.vmMoref, en.guestInfo, en.guestInfoBefore ?? []);
          log('info', cleared.length ? `Took ${cleared.join(', ')} off the VM.` : 'No guestinfo key of the enrollment is left on the VM.');
          return { output: { cleared } };
        } catch (err) {
          if (toContractError(err).code !== 'NOT_FOUND') throw err;
          log('warn', `${c.vmName} is gone from vCenter; its guestinfo keys went with it.`);
          return { output: { cleared: [], skipped: 'gone' } };
        }
      },
    },
    {
      name: 'remove-nat',
      title: 'Remove the NAT rules',
      async run({ context: c, services, actor }) {
        const en = enrolled(c);
        if (en.natRecordId === undefined) return { output: { recordId: null } };
        const r = await services.nat.record(en.natRecordId);
        if (r.state === 'removed') return { output: { recordId: r.id, alreadyRemoved: true } };
        if (r.state !== 'removing') await services.nat.setState(r.id, 'removing', actor);
        const outcome = await (await services.nat.driver(r.firewall)).remove({ recordId: r.id, publicIp: r.publicIp, privateIp: r.privateIp });
        if (!outcome.applied) return { output: { recordId: r.id, applied: false }, context: { manualInstructions: outcome.instructions } };
        return { output: { recordId: r.id, applied: true, changed: outcome.changed } };
      },
    },
    {
      name: 'nat-confirm',
      title: 'Operator removes the NAT and confirms',
      when: (c) => c.manualInstructions !== undefined,
      gate: { kind: 'approve', prompt: (c) => `Remove on firewall ${c.enrollment?.firewall ?? '?'} for ${c.vmName}, then approve:\n${c.manualInstructions ?? ''}` },
    },
    {
      name: 'verify-nat-gone',
      title: 'Read back: no rule left, close the NAT record',
      async run({ context: c, services, actor }) {
        const en = enrolled(c);
        if (en.natRecordId === undefined) return { output: { verified: false } };
        if (c.manualInstructions === undefined) await verifyNatGone(services.nat, en.firewall, en.natRecordId);
        if ((await services.nat.record(en.natRecordId)).state !== 'removed') await services.nat.setState(en.natRecordId, 'removed', actor);
        return { output: { verified: c.manualInstructions === undefined } };
      },
    },
    {
      name: 'release-ips',
      title: 'Release the public IP and the private IP record',
      async run({ context: c, services, actor }) {
        const en = enrolled(c);
        const owner = privateOwner(en.site, en.vmMoref);
        const pub = await services.ipam.release({ pool: en.pool, owner, purpose: 'public-nat' }, actor);
        const privatePool = en.privateIp ? await enrollment({ services }).privatePoolFor(en.privateIp) : null;
        const priv = privatePool ? await services.ipam.release({ pool: privatePool, owner, purpose: 'guest-private' }, actor) : null;
        return { output: { publicReleased: pub?.address ?? null, privateReleased: priv?.address ?? null } };
      },
    },
    {
      name: 'close-cmdb',
      title: 'Close the CMDB record',
      async run({ context: c, services, procedureId, actor }) {
        const e = enrollment({ services });
        const before = await e.cmdb.byId(c.cmdbId);
        const record = await e.cmdb.close(c.cmdbId, actor, procedureId);
        if (before?.status === 'active') {
          await services.audit.append({ actor, action: 'enrollment.offboard', target: `${c.site}/${c.vmName}`, details: { procedureId, cmdbId: c.cmdbId, publicIp: record.publicIp, privateIp: record.privateIp } });
          e.cmdbChanged(c.site, c.vmMoref, c.vmName, 'offboarded');
        }
        return { output: { cmdbId: record.id, offboardedAt: record.offboardedAt } };
      },
    },
  ],
});
