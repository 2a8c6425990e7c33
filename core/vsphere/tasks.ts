import { OutpostError } from '../contract/errors.js';
import { readProperties } from './property-collector.js';
import type { VsphereSession } from './session.js';
import { asXml, child, text, xsiType, type MoRef } from './xml.js';

export type TaskState = 'queued' | 'running' | 'success' | 'error';

export interface TaskProgress {
  task: MoRef;
  state: TaskState;
  /** 0-100 while running, when vCenter reports it. */
  progress: number | null;
}

export interface WaitForTaskOptions {
  onProgress?: (p: TaskProgress) => void;
  timeoutMs?: number;
  pollMs?: number;
}

/**
 * Follows a vCenter task to its end, reporting progress, and returns its result. A failed task
 * becomes VCENTER_FAULT with the task's fault name, like a failed call.
 */
export async function waitForTask(session: VsphereSession, task: MoRef, options: WaitForTaskOptions = {}): Promise<unknown> {
  const deadline = Date.now() + (options.timeoutMs ?? 10 * 60_000);
  let pollMs = options.pollMs ?? 100;
  let lastReported = '';
  for (;;) {
    const props = await readProperties(session, task, ['info.state', 'info.progress', 'info.error', 'info.result', 'info.descriptionId']);
    const state = (props.get('info.state') as TaskState | undefined) ?? 'queued';
    const progressValue = props.get('info.progress');
    const progress = typeof progressValue === 'number' ? progressValue : null;
    const key = `${state}:${progress}`;
    if (key !== lastReported) {
      lastReported = key;
      options.onProgress?.({ task, state, progress });
    }
    if (state === 'success') return props.get('info.result');
    if (state === 'error') {
      const error = asXml(props.get('info.error'));
      const fault = child(error, 'fault');
      const name = xsiType(fault) ?? 'Unknown';
      const message = text(child(error, 'localizedMessage')) ?? '';
      throw new OutpostError('VCENTER_FAULT', `The vCenter task ${task.value} failed with ${name}${message ? `: ${message}` : ''}.`, { fault: name, task: task.value, message });
    }
    if (Date.now() > deadline) {
      throw new OutpostError('TIMEOUT', `The vCenter task ${task.value} is still ${state}; Outpost stopped waiting. Check it in vCenter's task list.`, { task: task.value });
    }
    await new Promise((r) => setTimeout(r, pollMs));
    pollMs = Math.min(pollMs * 2, 1_000);
  }
}
