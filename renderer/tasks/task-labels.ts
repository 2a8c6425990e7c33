import type { Task } from '../../core/contract';
import { hashForView } from '../navigation/hash-route';
import { isViewId } from '../navigation/views';

/** What the pane says a task's state is ("Waiting for approval" is the one that needs the operator). */
export function taskStateLabel(t: Task): string {
  if (t.interrupted) return 'Interrupted';
  switch (t.state) {
    case 'queued':
      return 'Queued';
    case 'running':
      return 'Running';
    case 'waiting':
      return t.waitingFor === 'approval' ? 'Waiting for approval' : 'Waiting (timer)';
    case 'succeeded':
      return 'Succeeded';
    case 'failed':
      return 'Failed';
    case 'cancelled':
      return 'Cancelled';
  }
}

export function needsOperator(t: Task): boolean {
  return !t.interrupted && t.state === 'waiting' && t.waitingFor === 'approval';
}

/** The address of a task's detail, or null when its view is not one this console knows. */
export function taskHref(t: Task): string | null {
  return isViewId(t.link.view) ? hashForView(t.link.view, t.link.ref ?? undefined, t.link.params) : null;
}
