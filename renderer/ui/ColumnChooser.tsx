import { moveColumn, toggleColumn, type ColumnPrefs } from './column-prefs';

/** Shows, hides and orders the columns of a table. */
export function ColumnChooser({ columns, prefs, onChange }: { columns: readonly { id: string; label: string }[]; prefs: ColumnPrefs; onChange(p: ColumnPrefs): void }) {
  const hidden = columns.filter((c) => !prefs.order.includes(c.id));
  const label = (id: string): string => columns.find((c) => c.id === id)?.label ?? id;
  return (
    <details className="column-chooser">
      <summary className="button">Columns</summary>
      <div className="column-chooser-body" role="group" aria-label="Choose columns">
        <ul>
          {prefs.order.map((id, i) => (
            <li key={id}>
              <label>
                <input type="checkbox" checked onChange={() => onChange(toggleColumn(prefs, id))} /> {label(id)}
              </label>
              <button type="button" className="link-button" aria-label={`Move ${label(id)} left`} disabled={i === 0} onClick={() => onChange(moveColumn(prefs, id, -1))}>
                ↑
              </button>
              <button type="button" className="link-button" aria-label={`Move ${label(id)} right`} disabled={i === prefs.order.length - 1} onClick={() => onChange(moveColumn(prefs, id, 1))}>
                ↓
              </button>
            </li>
          ))}
          {hidden.map((c) => (
            <li key={c.id}>
              <label>
                <input type="checkbox" checked={false} onChange={() => onChange(toggleColumn(prefs, c.id))} /> {c.label}
              </label>
            </li>
          ))}
        </ul>
      </div>
    </details>
  );
}
