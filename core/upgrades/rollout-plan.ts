import { OutpostError } from '../contract/errors.js';

/** What the planner needs to know about a host (from the inventory). */
export interface PlanHost {
  name: string;
  cluster: string;
  build: string;
  connectionState: 'connected' | 'disconnected' | 'notResponding';
  inMaintenance: boolean;
  /** Physical memory of the host. */
  memoryMB: number;
  /** Memory of the powered-on VMs running on it now (they move elsewhere during the upgrade). */
  vmMemoryMB: number;
  vmCount: number;
}

export interface PlanOptions {
  targetBuild: string;
  /** Hosts upgraded at once; default 1, never more than the cluster can lose (see below). */
  parallel?: number;
  /** Memory kept free on the remaining hosts, as a fraction (default 0.1 = 10 %). */
  headroom?: number;
}

export interface RolloutPlan {
  targetBuild: string;
  /** Upgrade waves, in order; each wave's hosts are in maintenance at the same time. */
  waves: string[][];
  /** Hosts already at the target build (nothing to do). */
  upToDate: string[];
  /** Hosts that cannot be planned now, with the reason. */
  blocked: { name: string; reason: string }[];
  /** Per cluster: how many hosts it can lose at once while keeping its running VMs. */
  maxParallel: Record<string, number>;
}

/**
 * How many hosts a cluster can take out at once: the largest k such that the memory of the
 * hosts left (minus the k largest, to be safe whichever are chosen), less headroom, still holds
 * every running VM's memory.
 */
export function maxHostsDown(hosts: PlanHost[], headroom: number): number {
  const usable = hosts.filter((h) => h.connectionState === 'connected');
  const demand = usable.reduce((sum, h) => sum + h.vmMemoryMB, 0);
  const capacities = usable.map((h) => h.memoryMB).sort((a, b) => b - a);
  const total = capacities.reduce((a, b) => a + b, 0);
  let k = 0;
  let removed = 0;
  while (k < capacities.length - 1) {
    removed += capacities[k]!;
    if ((total - removed) * (1 - headroom) < demand) break;
    k++;
  }
  return k;
}

/** Seed 002's rolling upgrade as a plan: one host at a time by default, emptiest hosts first. */
export function planRollout(hosts: PlanHost[], options: PlanOptions): RolloutPlan {
  const headroom = options.headroom ?? 0.1;
  if (headroom < 0 || headroom >= 1) throw new OutpostError('VALIDATION', 'headroom is a fraction from 0 to 0.99.');
  const parallel = options.parallel ?? 1;
  if (!Number.isInteger(parallel) || parallel < 1) throw new OutpostError('VALIDATION', 'parallel must be a whole number of at least 1.');
  if (!options.targetBuild.trim()) throw new OutpostError('VALIDATION', 'Give the target build.');

  const plan: RolloutPlan = { targetBuild: options.targetBuild, waves: [], upToDate: [], blocked: [], maxParallel: {} };
  const clusters = new Map<string, PlanHost[]>();
  for (const h of hosts) clusters.set(h.cluster, [...(clusters.get(h.cluster) ?? []), h]);

  for (const [cluster, members] of [...clusters].sort(([a], [b]) => a.localeCompare(b))) {
    const canLose = maxHostsDown(members, headroom);
    plan.maxParallel[cluster] = canLose;
    const todo: PlanHost[] = [];
    for (const h of members) {
      if (h.build === options.targetBuild) plan.upToDate.push(h.name);
      else if (h.connectionState !== 'connected') plan.blocked.push({ name: h.name, reason: `${h.connectionState}: reconnect it first` });
      else todo.push(h);
    }
    if (todo.length === 0) continue;
    if (canLose === 0) {
      for (const h of todo) plan.blocked.push({ name: h.name, reason: `cluster ${cluster} cannot lose a host and keep its running VMs (add capacity or power off VMs)` });
      continue;
    }
    const width = Math.min(parallel, canLose);
    const ordered = [...todo].sort((a, b) => a.vmCount - b.vmCount || a.name.localeCompare(b.name));
    for (let i = 0; i < ordered.length; i += width) plan.waves.push(ordered.slice(i, i + width).map((h) => h.name));
  }
  return plan;
}
