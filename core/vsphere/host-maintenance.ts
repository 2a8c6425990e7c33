import { OutpostError } from '../contract/errors.js';
import { readProperties } from './property-collector.js';
import type { VsphereSession } from './session.js';
import { waitForTask, type TaskProgress } from './tasks.js';
import { el, toRef, type MoRef } from './xml.js';

export interface MaintenanceOptions {
  /**
   * Enter only: move powered-off and suspended VMs off the host too (vCenter's evacuation; with
   * DRS fully automated the running VMs move by vMotion either way).
   */
  evacuatePoweredOffVms?: boolean;
  /** Seconds vCenter may take before it fails the task; 0 waits as long as it needs. */
  timeoutSeconds?: number;
  onProgress?: (p: TaskProgress) => void;
  /** How long Outpost follows the task before it reports TIMEOUT (the task may still finish). */
  waitMs?: number;
}

async function inMaintenance(session: VsphereSession, host: MoRef): Promise<boolean> {
  const props = await readProperties(session, host, ['runtime.inMaintenanceMode']);
  return props.get('runtime.inMaintenanceMode') === true;
}

async function runTask(session: VsphereSession, method: string, host: MoRef, args: string, options: MaintenanceOptions): Promise<void> {
  const { body } = await session.invoke(method, host, args);
  const task = toRef(body['returnval']);
  if (!task) throw new OutpostError('VCENTER_PROTOCOL', `${method} returned no task.`);
  await waitForTask(session, task, { ...(options.onProgress ? { onProgress: options.onProgress } : {}), timeoutMs: options.waitMs ?? 60 * 60_000 });
}

/**
 * EnterMaintenanceMode_Task as an ensure: a host already in maintenance mode is left as it is.
 * Returns whether this call changed anything.
 */
export async function enterMaintenanceMode(session: VsphereSession, host: MoRef, options: MaintenanceOptions = {}): Promise<boolean> {
  if (await inMaintenance(session, host)) return false;
  const args = el('timeout', options.timeoutSeconds ?? 0) + el('evacuatePoweredOffVms', options.evacuatePoweredOffVms ?? false);
  await runTask(session, 'EnterMaintenanceMode_Task', host, args, options);
  if (!(await inMaintenance(session, host))) {
    throw new OutpostError('VERIFY_FAILED', `vCenter finished EnterMaintenanceMode on ${host.value} but the host is not in maintenance mode.`, { host: host.value });
  }
  return true;
}

/** ExitMaintenanceMode_Task as an ensure: a host not in maintenance mode is left as it is. */
export async function exitMaintenanceMode(session: VsphereSession, host: MoRef, options: MaintenanceOptions = {}): Promise<boolean> {
  if (!(await inMaintenance(session, host))) return false;
  await runTask(session, 'ExitMaintenanceMode_Task', host, el('timeout', options.timeoutSeconds ?? 0), options);
  if (await inMaintenance(session, host)) {
    throw new OutpostError('VERIFY_FAILED', `vCenter finished ExitMaintenanceMode on ${host.value} but the host is still in maintenance mode.`, { host: host.value });
  }
  return true;
}
