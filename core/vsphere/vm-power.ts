import { OutpostError } from '../contract/errors.js';
import { readProperties } from './property-collector.js';
import type { VsphereSession } from './session.js';
import { waitForTask, type TaskProgress } from './tasks.js';
import { toRef, type MoRef } from './xml.js';

export type PowerAction = 'on' | 'off' | 'reset' | 'shutdown';
export type PowerState = 'poweredOn' | 'poweredOff' | 'suspended';

const TASK_METHODS: Record<Exclude<PowerAction, 'shutdown'>, string> = {
  on: 'PowerOnVM_Task',
  off: 'PowerOffVM_Task',
  reset: 'ResetVM_Task',
};

export interface PowerOptions {
  onProgress?: (p: TaskProgress) => void;
  /** How long a guest shutdown may take before Outpost reports it (the guest may still be stopping). */
  shutdownTimeoutMs?: number;
}

/**
 * Changes a VM's power state and returns the state it ended in. on/off/reset are vCenter tasks;
 * shutdown asks the guest OS (VMware Tools) and then waits for the VM to be powered off.
 */
export async function changePower(session: VsphereSession, vm: MoRef, action: PowerAction, options: PowerOptions = {}): Promise<PowerState> {
  if (action === 'shutdown') {
    await session.invoke('ShutdownGuest', vm);
    const deadline = Date.now() + (options.shutdownTimeoutMs ?? 5 * 60_000);
    for (;;) {
      const state = await powerState(session, vm);
      if (state === 'poweredOff') return state;
      if (Date.now() > deadline) {
        throw new OutpostError('TIMEOUT', `The guest of ${vm.value} was asked to shut down but is still ${state}. Check the guest, or power it off.`, { vm: vm.value });
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  const { body } = await session.invoke(TASK_METHODS[action], vm);
  const task = toRef(body['returnval']);
  if (!task) throw new OutpostError('VCENTER_PROTOCOL', `${TASK_METHODS[action]} returned no task.`);
  await waitForTask(session, task, options.onProgress ? { onProgress: options.onProgress } : {});
  return powerState(session, vm);
}

export async function powerState(session: VsphereSession, vm: MoRef): Promise<PowerState> {
  const props = await readProperties(session, vm, ['runtime.powerState']);
  return (props.get('runtime.powerState') as PowerState | undefined) ?? 'poweredOff';
}
