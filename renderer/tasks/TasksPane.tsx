import { useEffect, useRef } from 'react';
import type { Task } from '../../core/contract';
import { useShell } from '../app/shell-context';
import { formatTime } from '../ui/format-time';
import { needsOperator, taskHref, taskStateLabel } from './task-labels';
import './tasks.css';

function TaskRow({ task }: { task: Task }) {
  const href = taskHref(task);
  const attention = needsOperator(task);
  const tone = task.interrupted || task.state === 'failed' ? 'bad' : attention ? 'attention' : task.state === 'succeeded' ? 'ok' : task.state === 'cancelled' ? 'idle' : 'busy';
  return (
    <li className={`task-row task-${tone}`} data-testid="task-row" data-task-kind={task.kind} data-task-state={task.interrupted ? 'interrupted' : task.state}>
      <div className="task-main">
        <span className="task-title">{task.title}</span>
        {task.target && <span className="task-target mono">{task.target}</span>}
      </div>
      <div className="task-state">
        <span className={`task-badge task-badge-${tone}`}>{taskStateLabel(task)}</span>
        {task.progress !== null && !['succeeded', 'failed', 'cancelled'].includes(task.state) && (
          <progress className="task-progress" max={1} value={task.progress} aria-label={`${task.title}: ${Math.round(task.progress * 100)}%`} />
        )}
      </div>
      {(task.error || task.detail) && <p className="task-detail">{task.error ? `${task.error.code}: ${task.error.message}` : task.detail}</p>}
      <div className="task-meta">
        <span>{task.startedBy}</span>
        <time dateTime={task.startedAt} title={task.startedAt}>
          {formatTime(task.startedAt)}
        </time>
        {href && (
          <a href={href} className="task-link">
            {attention ? 'Review and approve' : 'Details'}
          </a>
        )}
      </div>
    </li>
  );
}

/** The Recent Tasks pane (like vSphere's): every long action, newest first; approvals stand out. */
export function TasksPane() {
  const tasks = useShell((s) => s.tasks);
  const close = useShell((s) => s.setTasksOpen);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  const waiting = tasks.filter(needsOperator);
  const rest = tasks.filter((t) => !needsOperator(t));

  return (
    <aside
      id="recent-tasks"
      className="tasks-pane"
      aria-labelledby="recent-tasks-heading"
      onKeyDown={(event) => {
        if (event.key === 'Escape') {
          event.stopPropagation();
          close(false);
          document.querySelector<HTMLElement>('[data-testid="status-tasks"]')?.focus();
        }
      }}
    >
      <header className="tasks-head">
        <h2 id="recent-tasks-heading" tabIndex={-1} ref={heading}>
          Recent tasks
        </h2>
        <button type="button" className="button button-small" aria-label="Close recent tasks" onClick={() => close(false)}>
          ×
        </button>
      </header>
      {tasks.length === 0 ? (
        <p className="muted tasks-empty">No tasks yet. Syncs, power changes, fan-outs and procedure runs appear here.</p>
      ) : (
        <ol className="tasks-list" aria-label="Recent tasks, newest first">
          {[...waiting, ...rest].map((t) => (
            <TaskRow key={t.id} task={t} />
          ))}
        </ol>
      )}
    </aside>
  );
}
