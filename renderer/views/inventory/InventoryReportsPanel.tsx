import { useEffect, useMemo, useRef, useState } from 'react';
import { inventoryViewIds, inventoryViews, type InventoryScope, type InventoryTreeNode, type InventoryViewId, type ViewCell } from '../../../core/contract';
import { errorToast } from '../../app/error-toast';
import { useClient, useShellStore } from '../../app/shell-context';
import { Tabs, tabId, tabPanelId } from '../../ui/Tabs';
import { useContractQuery } from '../../data/use-contract-query';
import { cellText, changedRows, loadPrefs, rowKey, savePrefs } from './inventory-views';
import type { ColumnPrefs } from '../../ui/column-prefs';
import { ColumnChooser } from '../../ui/ColumnChooser';
import { DataTable, type DataColumn } from '../../ui/DataTable';
import { downloadBase64 } from '../../ui/download-text';

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
        downloadBase64(file.base64, file.fileName, file.mime);
        store.getState().pushToast({ tone: 'info', title: `${format === 'csv' ? 'CSV' : 'Excel'} exported`, message: `${file.rows.toLocaleString('en-US')} rows in ${file.fileName}.` });
      },
      (err: unknown) => {
        setExporting(null);
        store.getState().pushToast(errorToast('Export failed', err));
      },
    );
  };

  const columns = inventoryViews[view].columns;
  const answer = data.data;
  const tableColumns: DataColumn<ViewCell[]>[] = columns.map((c) => {
    const at = answer ? answer.columns.indexOf(c.id) : -1;
    const value = (r: ViewCell[]): ViewCell => r[at] ?? null;
    return {
      id: c.id,
      label: c.label,
      className: c.kind === 'number' ? 'numeric' : undefined,
      cell: (r) => cellText(value(r)),
      sortValue: (r) => {
        const v = value(r);
        return typeof v === 'boolean' ? Number(v) : v;
      },
    };
  });

  return (
    <div className="reports-layout">
      <NavTree nodes={tree.data ?? []} scopeId={scope?.id ?? null} onScope={setScope} />
      <div className="reports-main">
        <Tabs<InventoryViewId> tabs={inventoryViewIds.map((id) => ({ id, label: inventoryViews[id].label }))} selected={view} onSelect={setView} prefix={PREFIX} label="Inventory views" />
        <div role="tabpanel" id={tabPanelId(PREFIX, view)} aria-labelledby={tabId(PREFIX, view)}>
          <div className="toolbar">
            <ColumnChooser columns={columns} prefs={prefs} onChange={setPrefs} />
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
          <DataTable
            scroll="report-table-scroll"
            className="report-table"
            label={`${inventoryViews[view].label} view`}
            columns={tableColumns}
            rows={answer?.rows ?? []}
            rowKey={(r) => rowKey(view, answer?.columns ?? [], r)}
            rowProps={(r) => ({ className: flash.has(rowKey(view, answer?.columns ?? [], r)) ? 'row-changed' : undefined })}
            prefs={prefs}
            onPrefs={setPrefs}
            resizable
          />
        </div>
      </div>
    </div>
  );
}
