import { OutpostError } from '../../contract/errors.js';
import { MAX_JUMPS, parseHostPort } from '../../contract/fanout.js';
import type { VmSummary } from '../../contract/inventory.js';
import type { FanoutHop, FanoutTarget } from '../../endpoints/fanout-jobs.js';
import type { SshAuth } from '../../ssh/ssh-target.js';
import type { Handlers } from './index.js';
import type { Services } from '../services.js';

type FanoutCommand = 'fanout.start' | 'fanout.rerun' | 'fanout.cancel' | 'fanout.get' | 'fanout.list' | 'fanout.output' | 'fanout.template.save' | 'fanout.template.list' | 'fanout.template.remove';

/** Fan-out jobs: targets resolved here (host[:port] text, inventory VMs by guest IP), run by `services.fanout`. */
export function createFanoutHandlers(s: Services): Pick<Handlers, FanoutCommand> {
  return {
    'fanout.start': async (input, caller) => {
      // The credential and its user are checked before anything starts (a missing one is one clear error).
      const { user, auth } = await s.remote.credentials.sshAuth(input.credential);
      const name = input.user ?? user;
      if (!name) throw new OutpostError('VALIDATION', `No user: give one, or save it in credential "${input.credential}".`);
      // The job's jump hosts: each hop's user and secret from its own credential profile, exactly as a terminal's hops.
      const jumpAuths: Record<string, SshAuth> = {};
      const jumps: FanoutHop[] = await Promise.all(input.jumps.map(async (j) => {
        const e = await s.remote.endpoint(j);
        if (j.credential !== input.credential) jumpAuths[j.credential] = e.auth;
        return { host: e.host, port: e.port, user: e.user, credential: j.credential };
      }));
      const targets: FanoutTarget[] = input.hosts.map((text) => ({ ...parseHostPort(text)!, vm: null, jumps }));
      // ~/.ssh/config hosts: HostName/Port/User and their ProxyJump chain (after the job's jumps, without the hops
      // the job's chain already passes: "bastion" set in the form and as ProxyJump is crossed once), all with the job's credential.
      const inJobChain = new Set(jumps.map((j) => `${j.host}:${j.port}`));
      for (const [i, t] of s.remote.sshConfigTargets(input.sshConfigHosts, { defaultUser: name, auth }).entries()) {
        const viaConfig = (t.jumps ?? []).filter((j) => !inJobChain.has(`${j.host}:${j.port}`)).map((j) => ({ host: j.host, port: j.port, user: j.user, credential: input.credential }));
        if (jumps.length + viaConfig.length > MAX_JUMPS) throw new OutpostError('VALIDATION', `${input.sshConfigHosts[i]} would go through ${jumps.length + viaConfig.length} jump hosts; at most ${MAX_JUMPS}.`);
        targets.push({ host: t.host, port: t.port, vm: null, user: input.user ?? t.user, jumps: [...jumps, ...viaConfig] });
      }
      const bySite = new Map<string, VmSummary[]>();
      for (const ref of input.vms) {
        let vms = bySite.get(ref.site);
        if (!vms) {
          vms = await s.inventory.listVms({ site: ref.site, includeRemoved: false, limit: 200_000 });
          bySite.set(ref.site, vms);
        }
        const vm = vms.find((v) => v.moref === ref.vm) ?? vms.find((v) => v.name === ref.vm);
        if (!vm) throw new OutpostError('NOT_FOUND', `No VM ${ref.vm} in site ${ref.site}. Sync the site, then pick the VM again.`);
        const label = `${ref.site}/${vm.name}`;
        try {
          // Public NAT or private address, as the site's vmAddress setting says (the endpoint layer decides).
          targets.push({ host: (await s.vmAddresses.resolve(ref.site, vm)).address, port: ref.port, vm: label, jumps });
        } catch (err) {
          targets.push({ label, vm: label, error: err instanceof OutpostError ? err : new OutpostError('VALIDATION', String(err)) });
        }
      }
      const job = await s.fanout.start({ targets, credential: input.credential, user: name, auth, jumpAuths, command: input.command, concurrency: input.concurrency, timeoutMs: input.timeoutMs }, caller.actor);
      // Recorded before the job's first event (it runs from the next macrotask on).
      await s.tasks.fanoutStarted(job, caller.actor);
      return job;
    },
    'fanout.rerun': async ({ jobId, hosts: named, failed }, caller) => {
      const hosts = [...new Set([...named, ...(failed ? s.fanout.failedHosts(jobId) : [])])];
      if (hosts.length === 0) throw new OutpostError('VALIDATION', `Fan-out ${jobId} has no failed host to re-run.`);
      const jumpAuths = Object.fromEntries(await Promise.all(s.fanout.jumpCredentialsOf(jobId).map(async (c) => [c, (await s.remote.credentials.sshAuth(c)).auth] as const)));
      const job = await s.fanout.rerun(jobId, hosts, (await s.remote.credentials.sshAuth(s.fanout.credentialOf(jobId))).auth, caller.actor, jumpAuths);
      await s.tasks.fanoutStarted(job, caller.actor);
      return job;
    },
    'fanout.cancel': ({ jobId }, caller) => s.fanout.cancel(jobId, caller.actor),
    'fanout.get': ({ jobId }) => s.fanout.get(jobId),
    'fanout.list': () => s.fanout.list(),
    'fanout.output': ({ jobId, host, query }) => s.fanout.output(jobId, host, query),
    'fanout.template.save': async (input, caller) => {
      // The credential profiles must exist now (a template naming a missing one would only fail when run).
      for (const c of new Set([input.credential, ...input.jumps.map((j) => j.credential)])) await s.remote.credentials.byName(c);
      return await s.fanoutTemplates.save(input, caller.actor);
    },
    'fanout.template.list': () => s.fanoutTemplates.list(),
    'fanout.template.remove': ({ name }, caller) => s.fanoutTemplates.remove(name, caller.actor),
  };
}
