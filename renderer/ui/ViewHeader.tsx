import type { ReactNode } from 'react';

/** Each view's title; the heading takes focus after keyboard navigation (see Shell). */
export function ViewHeader({ title, description, actions }: { title: string; description?: ReactNode; actions?: ReactNode }) {
  return (
    <header className="view-header">
      <div>
        <h1 id="view-heading" tabIndex={-1}>
          {title}
        </h1>
        {description && <p className="view-description">{description}</p>}
      </div>
      {actions && <div className="view-actions">{actions}</div>}
    </header>
  );
}
