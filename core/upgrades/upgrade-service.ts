import { randomUUID } from 'node:crypto';
import type { AuditLog } from '../audit/audit-log.js';
import type { CommandOutput, CommandParsedInput } from '../contract/commands.js';
import { OutpostError, type ContractError } from '../contract/errors.js';
import type { HostBuildRow, OffHostCopyRow, PlanPreview, ProbeResult, UpgradeHostRow, UpgradePlanDetail } from '../contract/upgrades.js';
import { atomically, type Sql } from '../db/sql.js';
import { InventoryStore } from '../inventory/inventory-store.js';
import type { HostUpgradeContext } from './host-upgrade.procedure.js';
import { HOST_UPGRADE, offHostCopy, recordedBackup } from './host-upgrade.procedure.js';
import type { StepRow } from '../procedures/procedure-store.js';
import type { ProcedureEngine } from '../procedures/engine.js';
import type { EventBus } from '../events/event-bus.js';
import { ansibleInventory } from './ansible-inventory.js';
import type { HostUpgradeOperations } from './host-operations.js';
import { inventorySnapshot } from './inventory-snapshot.js';
import { planRollout } from './rollout-plan.js';
import { UpgradeStore, type PlanRow } from './upgrade-store.js';

export interface UpgradeServiceOptions {
  db: Sql;
  audit: AuditLog;
  engine: ProcedureEngine;
  ops: HostUpgradeOperations;
  bus?: EventBus;
}

const ENDED_RUN = new Set(['succeeded', 'failed', 'cancelled', 'rolled-back']);

/**
 * Rolling upgrades: plans (preview, create), and the rollout driver that takes a plan's hosts
 * one at a time, each through the durable `host.upgrade` procedure. The driver keeps no state of
 * its own: every decision is read from the plan's rows and the runs' states, so after a kill -9
 * the next start (resumeAll) simply continues; a host is claimed with a conditional update, so
 * two processes never start the same host.
 */
export class UpgradeService {
  readonly store: UpgradeStore;
  private readonly inventory: InventoryStore;
  private readonly pendingTicks = new Set<string>();
  private closed = false;
  private readonly unsubscribe: () => void;

  constructor(private readonly o: UpgradeServiceOptions) {
    this.store = new UpgradeStore(o.db);
    this.inventory = new InventoryStore(o.db);
    this.unsubscribe =
      o.bus?.subscribe((event, payload) => {
        if (event !== 'procedure.updated') return;
        const p = payload as { id: string; kind: string; state: string };
        if (p.kind !== HOST_UPGRADE) return;
        // The store answers asynchronously; a failure here (store closing) is retried by the next event or start-up.
        void (async () => {
          const planId = await this.store.planOfProcedure(p.id);
          if (!planId) return;
          await this.emit(planId);
          if (ENDED_RUN.has(p.state)) this.scheduleTick(planId, 'outpost');
        })().catch(() => undefined);
      }) ?? (() => undefined);
  }

  close(): void {
    this.closed = true;
    this.unsubscribe();
  }

  // ---- plans ----------------------------------------------------------------------------------

  async preview(input: CommandParsedInput<'upgrade.plan'>): Promise<PlanPreview> {
    const site = await this.o.ops.site(input.site);
    // Capacity is judged on whole clusters, even when only some of their hosts are upgraded.
    let all: Awaited<ReturnType<HostUpgradeOperations['planHosts']>>;
    let selected: Set<string>;
    if (input.cluster) {
      const clusters = await this.inventory.clusterMorefs(site.id, input.cluster);
      if (clusters.length === 0) throw new OutpostError('NOT_FOUND', `No cluster "${input.cluster}" in site ${site.name}'s inventory. Sync it first: outpost inventory sync --site ${site.name}`);
      if (clusters.length > 1) throw new OutpostError('CONFLICT', `${clusters.length} clusters in ${site.name} are named "${input.cluster}"; name the hosts instead.`);
      all = await this.o.ops.planHosts(site.name, { clusterMoref: clusters[0]! });
      const unknown = (input.hosts ?? []).filter((h) => !all.some((x) => x.name === h));
      if (unknown.length) throw new OutpostError('NOT_FOUND', `Not in cluster ${input.cluster}: ${unknown.join(', ')}.`);
      selected = new Set(input.hosts ?? all.map((h) => h.name));
    } else if (input.hosts) {
      const rows = await this.inventory.hostsNamed(site.id, input.hosts);
      const unknown = input.hosts.filter((h) => !rows.some((r) => r.name === h));
      if (unknown.length) throw new OutpostError('NOT_FOUND', `No host ${unknown.join(', ')} in site ${site.name}'s inventory.`);
      all = [];
      for (const c of new Set(rows.map((r) => r.clusterMoref).filter((c): c is string => c !== null))) all.push(...(await this.o.ops.planHosts(site.name, { clusterMoref: c })));
      all.push(...(await this.o.ops.planHosts(site.name, { morefs: rows.filter((r) => r.clusterMoref === null).map((r) => r.moref) })));
      selected = new Set(input.hosts);
    } else {
      throw new OutpostError('VALIDATION', 'Choose the hosts: a cluster, or a list of hosts.', { issues: [{ path: ['cluster'], message: 'a cluster or hosts' }] });
    }
    const hosts = all.filter((h) => selected.has(h.name));
    if (hosts.length === 0) throw new OutpostError('NOT_FOUND', 'The selection has no hosts.');
    const full = planRollout(all, { targetBuild: input.targetBuild });
    const plan = { ...full, waves: full.waves.map((w) => w.filter((n) => selected.has(n))), upToDate: full.upToDate.filter((n) => selected.has(n)), blocked: full.blocked.filter((b) => selected.has(b.name)) };
    return {
      site: site.name,
      cluster: input.cluster ?? null,
      targetBuild: input.targetBuild,
      targetVersion: input.targetVersion ?? null,
      order: plan.waves.flat(),
      upToDate: plan.upToDate,
      blocked: plan.blocked,
      maxParallel: plan.maxParallel,
      hosts: hosts.map((h) => ({ name: h.name, moref: h.moref, cluster: h.cluster, build: h.build || null, version: h.version, connectionState: h.connectionState, inMaintenance: h.inMaintenance, memoryMB: h.memoryMB, vmMemoryMB: h.vmMemoryMB, vmCount: h.vmCount })),
    };
  }

  async create(input: CommandParsedInput<'upgrade.create'>, actor: string): Promise<UpgradePlanDetail> {
    const preview = await this.preview(input);
    if (preview.order.length === 0) {
      const why = [preview.upToDate.length ? `${preview.upToDate.length} already at ${input.targetBuild}` : '', ...preview.blocked.map((b) => `${b.name}: ${b.reason}`)].filter(Boolean).join('; ');
      throw new OutpostError('CONFLICT', `Nothing to upgrade (${why || 'no hosts'}).`, { blocked: preview.blocked, upToDate: preview.upToDate });
    }
    const unknown = input.hostSettings.filter((s) => !preview.hosts.some((h) => h.name === s.name)).map((s) => s.name);
    if (unknown.length) throw new OutpostError('VALIDATION', `Host settings name hosts outside the plan: ${unknown.join(', ')}.`, { issues: [{ path: ['hostSettings'], message: `unknown hosts: ${unknown.join(', ')}` }] });
    if (input.options.reinstall.mode === 'pxe') {
      const noMac = preview.order.filter((name) => !input.hostSettings.find((s) => s.name === name)?.mac);
      if (noMac.length) throw new OutpostError('VALIDATION', `A PXE reinstall needs each host's boot NIC MAC address; missing for ${noMac.join(', ')}.`, { issues: [{ path: ['hostSettings'], message: `MAC missing for ${noMac.join(', ')}` }] });
    }
    const site = await this.o.ops.site(input.site);
    const id = randomUUID();
    const ordered = preview.order.map((name) => preview.hosts.find((h) => h.name === name)!);
    await atomically(this.o.db, async () => {
      await this.store.insertPlan(
        { id, siteId: site.id, cluster: input.cluster ?? null, targetVersion: input.targetVersion ?? null, targetBuild: input.targetBuild, options: input.options, hostSettings: input.hostSettings, createdBy: actor },
        ordered.map((h) => ({ moref: h.moref, name: h.name })),
      );
      await this.o.audit.append({ actor, action: 'upgrade.create', target: `${site.name}/${input.cluster ?? 'hosts'}`, details: { planId: id, targetBuild: input.targetBuild, hosts: preview.order, soakMinutes: input.options.soakMinutes, reinstall: input.options.reinstall.mode } });
    }).catch(async (err: unknown) => {
      // The transaction has rolled back; name the plan that holds the host (read after, on any engine).
      if (!(err instanceof OutpostError) || err.code !== 'UPGRADE_CONFLICT') throw err;
      const holder = await this.store.claimHolder(site.id, ordered.map((h) => h.moref));
      throw new OutpostError('UPGRADE_CONFLICT', holder ? err.message.replace('an active upgrade plan;', `active upgrade plan ${holder};`) : err.message, { planId: holder });
    });
    await this.emit(id);
    return await this.status(id);
  }

  async list(site?: string): Promise<CommandOutput<'upgrade.list'>> {
    return await this.store.list(site);
  }

  // ---- rollout --------------------------------------------------------------------------------

  async run(planId: string, actor: string): Promise<UpgradePlanDetail> {
    const plan = await this.plan(planId);
    if (plan.state === 'failed') throw new OutpostError('CONFLICT', `Plan ${planId} failed (${plan.reason ?? 'see its hosts'}); resume it to retry the failed host, or abort it.`);
    if (plan.state === 'succeeded' || plan.state === 'aborted') throw new OutpostError('CONFLICT', `Plan ${planId} has ended (${plan.state}).`);
    if (plan.state !== 'running') {
      const other = (await this.store.plansIn(['running'])).find((id) => id !== planId);
      // A courtesy look that names the running plan; the unique index decides when two start at once.
      if (other) throw new OutpostError('UPGRADE_CONFLICT', `Upgrade plan ${other} is running; one rollout at a time.`, { planId: other });
      await atomically(this.o.db, async () => {
        await this.store.setPlanState(planId, ['draft', 'paused'], 'running', null);
        await this.o.audit.append({ actor, action: 'upgrade.run', target: this.target(plan), details: { planId } });
      });
      await this.emit(planId);
    }
    await this.tick(planId, actor);
    return await this.status(planId);
  }

  async pause(planId: string, actor: string): Promise<UpgradePlanDetail> {
    const plan = await this.plan(planId);
    if (plan.state !== 'running') throw new OutpostError('CONFLICT', `Only a running plan can be paused (${planId} is ${plan.state}).`);
    await atomically(this.o.db, async () => {
      await this.store.setPlanState(planId, ['running'], 'paused', 'paused by the operator; the host being upgraded finishes first');
      await this.o.audit.append({ actor, action: 'upgrade.pause', target: this.target(plan), details: { planId } });
    });
    await this.emit(planId);
    return await this.status(planId);
  }

  async resume(planId: string, actor: string): Promise<UpgradePlanDetail> {
    const plan = await this.plan(planId);
    if (plan.state === 'paused') {
      await this.o.audit.append({ actor, action: 'upgrade.resume', target: this.target(plan), details: { planId } });
      return await this.run(planId, actor);
    }
    if (plan.state !== 'failed') throw new OutpostError('CONFLICT', `Only a paused or failed plan can be resumed (${planId} is ${plan.state}).`);
    const failed = (await this.store.hosts(planId)).find((h) => h.state === 'failed');
    const run = failed?.procedureId ? await this.o.engine.store.get(failed.procedureId) : null;
    await atomically(this.o.db, async () => {
      if (failed && run?.state === 'failed') {
        await this.o.engine.retry(run.id, actor);
        await this.store.setHostState(planId, failed.position, 'running', null);
      } else if (failed) {
        // Its run was rolled back or cancelled: the host starts over with a new run.
        await this.store.resetHost(planId, failed.position);
      }
      await this.store.setPlanState(planId, ['failed'], 'running', null);
      await this.o.audit.append({ actor, action: 'upgrade.resume', target: this.target(plan), details: { planId, retried: failed?.name ?? null } });
    });
    await this.emit(planId);
    await this.tick(planId, actor);
    return await this.status(planId);
  }

  async abort(planId: string, actor: string): Promise<UpgradePlanDetail> {
    const plan = await this.plan(planId);
    if (plan.state === 'succeeded' || plan.state === 'aborted') throw new OutpostError('CONFLICT', `Plan ${planId} has ended (${plan.state}).`);
    const current = (await this.store.hosts(planId)).filter((h) => h.state === 'running' || h.state === 'failed');
    await atomically(this.o.db, async () => {
      await this.store.setPlanState(planId, ['draft', 'running', 'paused', 'failed'], 'aborted', `aborted by ${actor}`);
      for (const h of current) {
        const run = h.procedureId ? await this.o.engine.store.get(h.procedureId) : null;
        if (run && !ENDED_RUN.has(run.state)) await this.o.engine.cancel(run.id, actor);
        else if (run?.state === 'failed') await this.o.engine.rollback(run.id, actor);
        await this.store.setHostState(planId, h.position, 'aborted', { code: 'CANCELLED', message: `Aborted by ${actor}` });
      }
      await this.o.audit.append({ actor, action: 'upgrade.abort', target: this.target(plan), details: { planId, hosts: current.map((h) => h.name) } });
    });
    await this.emit(planId);
    return await this.status(planId);
  }

  /** Continues every running plan (call once at start-up, after the engine resumed its runs). */
  async resumeAll(actor = 'outpost'): Promise<string[]> {
    const ids = await this.store.plansIn(['running', 'paused']);
    for (const id of ids) await this.tick(id, actor);
    return ids;
  }

  /** Resolves when the plan stops moving in this process: ended, failed, or paused with no host running. */
  async whenSettled(planId: string, pollMs = 250): Promise<UpgradePlanDetail> {
    for (;;) {
      const detail = await this.status(planId);
      const running = detail.hosts.some((h) => h.state === 'running');
      if (detail.state === 'succeeded' || detail.state === 'failed' || detail.state === 'aborted' || detail.state === 'draft') return detail;
      if (detail.state === 'paused' && !running) return detail;
      // An approval gate waits for the operator (who may approve from another process): report it.
      if (detail.hosts.some((h) => h.procedureState === 'waiting' && h.steps.some((s) => s.state === 'waiting' && s.gatePrompt))) return detail;
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  private scheduleTick(planId: string, actor: string): void {
    if (this.pendingTicks.has(planId)) return;
    this.pendingTicks.add(planId);
    setImmediate(() => {
      this.pendingTicks.delete(planId);
      if (this.closed) return;
      // The store is closing or busy; the next event or start-up ticks again.
      this.tick(planId, actor).catch(() => undefined);
    });
  }

  /** One decision: settle the current host from its run's state, then start the next host if the plan runs. */
  private async tick(planId: string, actor: string): Promise<void> {
    if (this.closed) return;
    const plan = await this.store.plan(planId);
    if (!plan || (plan.state !== 'running' && plan.state !== 'paused')) return;
    const hosts = await this.store.hosts(planId);
    const current = hosts.find((h) => h.state === 'running');
    if (current) {
      const run = current.procedureId ? await this.o.engine.store.get(current.procedureId) : null;
      if (!run || !ENDED_RUN.has(run.state)) return; // still going: its next update ticks again
      if (run.state === 'succeeded') {
        await atomically(this.o.db, async () => {
          await this.store.setHostState(planId, current.position, 'succeeded', null);
          await this.o.audit.append({ actor, action: 'upgrade.host', target: `${plan.site}/${current.name}`, details: { planId, procedureId: run.id, build: plan.targetBuild } });
        });
      } else {
        const step = (await this.o.engine.store.steps(run.id)).find((s) => s.state === 'failed');
        const error: ContractError = run.error ?? step?.error ?? { code: 'CANCELLED', message: `The run ended ${run.state}.` };
        const reason = `${current.name} failed${step ? ` at "${step.name}"` : ''}: ${error.message}`;
        await atomically(this.o.db, async () => {
          await this.store.setHostState(planId, current.position, 'failed', error);
          await this.store.setPlanState(planId, ['running', 'paused'], 'failed', reason);
          await this.o.audit.append({ actor, action: 'upgrade.failed', target: `${plan.site}/${current.name}`, outcome: 'failed', details: { planId, procedureId: run.id, reason, code: error.code } });
        });
        await this.emit(planId, current.name);
        return;
      }
    }
    if (plan.state !== 'running') {
      await this.emit(planId);
      return;
    }
    const next = (await this.store.hosts(planId)).find((h) => h.state === 'pending');
    if (!next) {
      await atomically(this.o.db, async () => {
        if (await this.store.setPlanState(planId, ['running'], 'succeeded', null)) {
          await this.o.audit.append({ actor, action: 'upgrade.succeeded', target: this.target(plan), details: { planId } });
        }
      });
      await this.emit(planId);
      return;
    }
    const setting = plan.hostSettings.find((s) => s.name === next.name);
    const context: HostUpgradeContext = {
      planId,
      site: plan.site,
      hostName: next.name,
      hostMoref: next.moref,
      targetBuild: plan.targetBuild,
      targetVersion: plan.targetVersion,
      options: plan.options,
      ssh: { host: setting?.sshAddress ?? next.name, port: setting?.sshPort ?? plan.options.ssh.port, ...(plan.options.ssh.user ? { user: plan.options.ssh.user } : {}), credential: plan.options.ssh.credential },
      ...(setting?.mac ? { mac: setting.mac } : {}),
      ...(setting?.ip ? { ip: setting.ip } : {}),
    };
    // The run and the claim commit together: a crash leaves either both or neither.
    await atomically(this.o.db, async () => {
      const procedureId = await this.o.engine.start(HOST_UPGRADE, context, actor);
      if (!await this.store.claimHost(planId, next.position, procedureId)) throw new OutpostError('CONFLICT', `${next.name} was started elsewhere.`);
    });
    await this.emit(planId, next.name);
  }

  // ---- reading --------------------------------------------------------------------------------

  async status(planId: string): Promise<UpgradePlanDetail> {
    const plan = await this.plan(planId);
    const definition = this.o.engine.definition(HOST_UPGRADE);
    const titles = new Map(definition?.steps.map((s) => [s.name, s.title ?? s.name]) ?? []);
    const hosts: UpgradeHostRow[] = await Promise.all((await this.store.hosts(planId)).map(async (h) => {
      const run = h.procedureId ? await this.o.engine.store.get(h.procedureId) : null;
      const steps = h.procedureId ? await this.o.engine.store.steps(h.procedureId) : [];
      const soakStep = steps.find((s) => s.name === 'soak');
      const context = (run?.context ?? {}) as Partial<HostUpgradeContext>;
      const backupOut = recordedBackup.safeParse(steps.find((s) => s.name === 'backup' && s.state === 'done')?.output).data;
      return {
        position: h.position,
        name: h.name,
        moref: h.moref,
        state: h.state,
        procedureId: h.procedureId,
        procedureState: run?.state ?? null,
        error: h.error ? { code: h.error.code, message: h.error.message } : null,
        startedAt: h.startedAt,
        finishedAt: h.finishedAt,
        steps: (steps.length ? steps : (definition?.steps ?? []).map((s) => ({ name: s.name, state: 'pending', startedAt: null, finishedAt: null, gate: null }))).map((s) => ({
          name: s.name,
          title: titles.get(s.name) ?? s.name,
          state: s.state,
          startedAt: s.startedAt,
          finishedAt: s.finishedAt,
          gatePrompt: s.state === 'waiting' ? (s.gate?.prompt ?? null) : null,
        })),
        soak: h.procedureId && (context.soakUntil || (soakStep && soakStep.state !== 'pending')) ? { until: context.soakUntil ?? null, ...await this.probes(h.procedureId) } : null,
        backup: backupOut && h.procedureId ? { ...backupOut, offHost: this.offHost(plan, h.name, h.procedureId, backupOut.artefactPath, steps) } : null,
      };
    }));
    return { ...await this.store.summary(plan), options: plan.options, hostSettings: plan.hostSettings, hosts };
  }

  /** The off-host copy of a run's backup: verified by the copy step, failed (copy, checksum or the check before the reinstall), or not made yet. */
  private offHost(plan: PlanRow, host: string, procedureId: string, artefactPath: string, steps: readonly StepRow[]): OffHostCopyRow {
    const copyStep = steps.find((s) => s.name === 'backup-copy');
    const guard = steps.find((s) => s.name === 'backup-verified');
    const copy = copyStep?.state === 'done' ? offHostCopy.safeParse(copyStep.output).data : undefined;
    const failed = guard?.state === 'failed' ? guard : copyStep?.state === 'failed' ? copyStep : undefined;
    const error = failed?.error ? { code: failed.error.code, message: failed.error.message } : null;
    if (copy) return { state: failed ? 'failed' : 'verified', kind: copy.kind, location: copy.location, sha256: copy.sha256, bytes: copy.bytes, verifiedAt: copy.verifiedAt, error };
    const place = this.o.ops.backupPlace(plan.options.backup?.copyTo, { site: plan.site, host, procedureId, artefactPath });
    return { state: failed ? 'failed' : 'pending', kind: place.kind, location: place.location, sha256: null, bytes: null, verifiedAt: null, error };
  }

  /** Where each host's backup is, for one plan or every plan (of a site), newest plan first. */
  async backups(q: CommandParsedInput<'upgrade.backups'>): Promise<CommandOutput<'upgrade.backups'>> {
    const ids = q.planId ? [(await this.plan(q.planId)).id] : (await this.store.list(q.site)).map((p) => p.id);
    const details = await Promise.all(ids.map((id) => this.status(id)));
    return details.flatMap((d) => {
      return d.hosts.flatMap((h) => (h.backup ? [{ planId: d.id, site: d.site, host: h.name, procedureId: h.procedureId, artefactPath: h.backup.artefactPath, sha256: h.backup.sha256, bytes: h.backup.bytes, offHost: h.backup.offHost }] : []));
    });
  }

  private async probes(procedureId: string): Promise<{ latest: ProbeResult[]; rounds: number }> {
    return { latest: await this.store.latestProbes(procedureId), rounds: await this.store.lastProbeRound(procedureId) };
  }

  async hosts(q: CommandParsedInput<'upgrade.hosts'>): Promise<HostBuildRow[]> {
    return (await this.store
      .hostBuilds(q.site))
      .map((r) => ({ ...r, behind: r.desiredBuild !== null && r.build !== r.desiredBuild }))
      .filter((r) => !q.behindOnly || r.behind);
  }

  async exportInventory(q: CommandParsedInput<'ansibleInventory.export'>): Promise<CommandOutput<'ansibleInventory.export'>> {
    const snapshot = await inventorySnapshot(this.o.db, q.site);
    const hosts = snapshot.sites.reduce((n, s) => n + s.standaloneHosts.length + s.clusters.reduce((m, c) => m + c.hosts.length, 0), 0);
    return { format: q.format, text: ansibleInventory(snapshot, q.format), hosts, enrolledVms: snapshot.enrolledVms.length };
  }

  private async plan(id: string): Promise<PlanRow> {
    const plan = await this.store.plan(id);
    if (!plan) throw new OutpostError('NOT_FOUND', `No upgrade plan ${id}. List them with: outpost upgrade list`, { planId: id });
    return plan;
  }

  private target(plan: PlanRow): string {
    return `${plan.site}/${plan.cluster ?? 'hosts'}`;
  }

  private async emit(planId: string, host: string | null = null): Promise<void> {
    if (!this.o.bus || this.closed) return;
    const plan = await this.store.plan(planId);
    if (plan) this.o.bus.emit('upgrade.updated', { planId, state: plan.state, host });
  }
}
