import type { ReactNode } from 'react';

/**
 * A list beside the form that adds to it: the table once rows are read, `empty` (an EmptyState)
 * when there are none, `loadingText` while the first read runs.
 */
export function ListWithForm<T>({ rows, loading, loadingText, empty, form, children }: { rows: readonly T[] | null; loading: boolean; loadingText: string; empty: ReactNode; form: ReactNode; children(rows: readonly T[]): ReactNode }) {
  return (
    <div className="split-layout">
      <div className="split-main">
        {rows && rows.length > 0 && children(rows)}
        {rows && rows.length === 0 && empty}
        {!rows && loading && <p className="muted">{loadingText}</p>}
      </div>
      {form}
    </div>
  );
}
