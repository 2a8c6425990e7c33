import type { ReactNode } from 'react';

interface EmptyStateProps {
  title: string;
  /** What this place is for, once it has something in it. */
  purpose: ReactNode;
  /** The concrete next step for an operator who just installed Outpost. */
  firstStep: ReactNode;
  action?: ReactNode;
}

export function EmptyState({ title, purpose, firstStep, action }: EmptyStateProps) {
  return (
    <section className="empty-state" aria-label={title}>
      <h2>{title}</h2>
      <p className="empty-purpose">{purpose}</p>
      <div className="empty-first-step">
        <h3>What to do first</h3>
        <div>{firstStep}</div>
      </div>
      {action && <div className="empty-action">{action}</div>}
    </section>
  );
}
