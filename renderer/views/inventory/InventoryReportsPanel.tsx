import { useEffect, useMemo, useRef, useState, type PointerEvent as ReactPointerEvent } from 'react';
import { inventoryViewIds, inventoryViews, type InventoryScope, type InventoryTreeNode, type InventoryViewId, type ViewCell } from '../../../core/contract';
import { errorToast } from '../../app/error-toast';
import { useClient, useShellStore } from '../../app/shell-context';
import { Tabs, tabId, tabPanelId } from '../../ui/Tabs';
import { useContractQuery } from '../../data/use-contract-query';
import { cellText, changedRows, loadPrefs, moveColumn, rowKey, savePrefs, toggleColumn, type ColumnPrefs } from './inventory-views';

const PREFIX = 'inventory-report';
const HIGHLIGHT_MS = 2_500;
type ViewAnswer = { columns: string[]; rows: ViewCell[][]; total: number; truncated: boolean };

/** The navigation tree: vCenter -> datacenter -> cluster -> host, and VM folders, each with its VM count; a click scopes the view. */
function NavTree({ nodes, scopeId, onScope }: { nodes: InventoryTreeNode[]; scopeId: string | null; onScope(node: InventoryTreeNode | null): void }) {
  const children = useMemo(() => {
    const m = new Map<string | null, InventoryTreeNode[]>();
    for (const n of nodes) m.set(n.parent, [...(m.get(n.parent) ?? []), n]);
    return m;
  }, [nodes]);
  const render = (parent: string | null, depth: number): React.ReactNode => {
    const list = children.get(parent);
    if (!list || depth > 32) return null;
    return (
      <ul role={depth === 0 ? 'tree' : 'group'} aria-label={depth === 0 ? 'Inventory tree' : undefined} className="nav-tree-list">
        {list.map((n) => (
          <li key={n.id} role="treeitem" aria-selected={scopeId === n.id} aria-expanded={children.has(n.id) ? true : undefined}>
            <button type="button" className={`nav-tree-node nav-tree-${n.kind}${scopeId === n.id ? ' selected' : ''}`} onClick={() => onScope(scopeId === n.id ? null : n)} title={`${n.kind}: ${n.name}`}>
              <span className="nav-tree-name">{n.name}</span> <span className="nav-tree-count muted small">{n.vms.toLocaleString('en-US')}</span>
            </button>
            {render(n.id, depth + 1)}
          </li>
        ))}
      </ul>
    );
  };
  return (
    <nav className="nav-tree" aria-label="Inventory navigation">
      <button type="button" className={`nav-tree-node${scopeId === null ? ' selected' : ''}`} onClick={() => onScope(null)}>
        Everything
      </button>
      {render(null, 0)}
    </nav>
  );
}

/** Shows, hides and orders the columns of a view. */
function ColumnChooser({ view, prefs, onChange }: { view: InventoryViewId; prefs: ColumnPrefs; onChange(p: ColumnPrefs): void }) {
  const all = inventoryViews[view].columns;
  const hidden = all.filter((c) => !prefs.order.includes(c.id));
  const label = (id: string): string => all.find((c) => c.id === id)?.label ?? id;
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

function download(base64: string, fileName: string, mime: string): void {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const url = URL.createObjectURL(new Blob([bytes], { type: mime }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** RVTools-style reports: the navigation tree beside one view's table, with a column chooser and CSV/xlsx export. */
export function InventoryReportsPanel() {
  const client = useClient();
  const store = useShellStore();
  const [view, setView] = useState<InventoryViewId>('vinfo');
  const [scope, setScope] = useState<InventoryTreeNode | null>(null);
  const [prefs, setPrefsState] = useState<ColumnPrefs>(() => loadPrefs('vinfo'));
  const [exporting, setExporting] = useState<'csv' | 'xlsx' | null>(null);
  const [flash, setFlash] = useState<Set<string>>(new Set());
  const previous = useRef<ViewAnswer | null>(null);
  const live = useRef(false);

  useEffect(() => setPrefsState(loadPrefs(view)), [view]);
  const setPrefs = (p: ColumnPrefs): void => {
    setPrefsState(p);
    savePrefs(view, p);
  };

  const tree = useContractQuery('Could not read the inventory tree', (c) => c.invoke('inventory.tree', {}));
  const scopeInput: InventoryScope | undefined = scope?.scope;
  const key = JSON.stringify([view, scopeInput ?? null]);
  const data = useContractQuery('Could not read the view', (c) => c.invoke('inventory.view', { view, ...(scopeInput ? { scope: scopeInput } : {}) }), key);
  const { reload: reloadTree } = tree;
  const { reload } = data;

  // A live change reloads the view; rows that differ from the previous answer light up briefly.
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const off = client.on('inventory.changed', () => {
      if (timer) return;
      timer = setTimeout(() => {
        timer = null;
        live.current = true;
        reload();
        reloadTree();
      }, 300);
    });
    return () => {
      off();
      if (timer) clearTimeout(timer);
    };
  }, [client, reload, reloadTree]);
  useEffect(() => {
    if (!data.data) return;
    const changed = live.current ? changedRows(view, previous.current, data.data) : new Set<string>();
    live.current = false;
    previous.current = data.data;
    if (changed.size === 0) return;
    setFlash(changed);
    const t = setTimeout(() => setFlash(new Set()), HIGHLIGHT_MS);
    return () => clearTimeout(t);
  }, [data.data, view]);
  useEffect(() => {
    previous.current = null;
  }, [key]);

  const exportAs = (format: 'csv' | 'xlsx'): void => {
    setExporting(format);
    client.invoke('inventory.export', { view, format, columns: prefs.order, ...(scopeInput ? { scope: scopeInput } : {}) }).then(
      (file) => {
        setExporting(null);
        download(file.base64, file.fileName, file.mime);
        store.getState().pushToast({ tone: 'info', title: `${format === 'csv' ? 'CSV' : 'Excel'} exported`, message: `${file.rows.toLocaleString('en-US')} rows in ${file.fileName}.` });
      },
      (err: unknown) => {
        setExporting(null);
        store.getState().pushToast(errorToast('Export failed', err));
      },
    );
  };

  const columns = inventoryViews[view].columns;
  const label = (id: string): string => columns.find((c) => c.id === id)?.label ?? id;
  const numeric = (id: string): boolean => columns.find((c) => c.id === id)?.kind === 'number';
  const answer = data.data;
  const startResize = (id: string, event: ReactPointerEvent<HTMLSpanElement>): void => {
    event.preventDefault();
    const th = event.currentTarget.parentElement;
    const startX = event.clientX;
    const startW = th?.getBoundingClientRect().width ?? 120;
    let width = startW;
    const move = (e: PointerEvent): void => {
      width = Math.max(40, Math.min(2000, Math.round(startW + e.clientX - startX)));
      if (th) th.style.width = `${width}px`;
    };
    const up = (): void => {
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
      setPrefs({ ...prefs, widths: { ...prefs.widths, [id]: width } });
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
  };

  return (
    <div className="reports-layout">
      <NavTree nodes={tree.data ?? []} scopeId={scope?.id ?? null} onScope={setScope} />
      <div className="reports-main">
        <Tabs<InventoryViewId> tabs={inventoryViewIds.map((id) => ({ id, label: inventoryViews[id].label }))} selected={view} onSelect={setView} prefix={PREFIX} label="Inventory views" />
        <div role="tabpanel" id={tabPanelId(PREFIX, view)} aria-labelledby={tabId(PREFIX, view)}>
          <div className="toolbar">
            <ColumnChooser view={view} prefs={prefs} onChange={setPrefs} />
            <button type="button" className="button" onClick={() => exportAs('csv')} disabled={exporting !== null}>
              {exporting === 'csv' ? 'Exporting…' : 'Export CSV'}
            </button>
            <button type="button" className="button" onClick={() => exportAs('xlsx')} disabled={exporting !== null}>
              {exporting === 'xlsx' ? 'Exporting…' : 'Export Excel'}
            </button>
            <span className="small muted" role="status" data-testid="report-count">
              {answer ? `${answer.total.toLocaleString('en-US')} rows${answer.truncated ? ` (first ${answer.rows.length.toLocaleString('en-US')} shown; export for all)` : ''}${scope ? ` in ${scope.name}` : ''}` : 'Loading…'}
            </span>
          </div>
          <div className="table-scroll report-table-scroll">
            <table className="data-table report-table" aria-label={`${inventoryViews[view].label} view`}>
              <thead>
                <tr>
                  {prefs.order.map((id) => (
                    <th key={id} scope="col" style={prefs.widths[id] ? { width: prefs.widths[id] } : undefined} data-column={id}>
                      {label(id)}
                      <span className="column-resize" role="separator" aria-orientation="vertical" aria-label={`Resize ${label(id)}`} onPointerDown={(e) => startResize(id, e)} />
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {answer?.rows.map((r) => {
                  const k = rowKey(view, answer.columns, r);
                  return (
                    <tr key={k} className={flash.has(k) ? 'row-changed' : undefined}>
                      {prefs.order.map((id) => (
                        <td key={id} className={numeric(id) ? 'numeric' : undefined}>
                          {cellText(r[answer.columns.indexOf(id)] ?? null)}
                        </td>
                      ))}
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </div>
      </div>
    </div>
  );
}
