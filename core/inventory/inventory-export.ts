import ExcelJS from 'exceljs';
import { PassThrough, type Writable } from 'node:stream';
import { once } from 'node:events';
import { inventoryViews, type InventoryScope, type InventoryTreeNode, type InventoryViewId, type ViewCell } from '../contract/inventory-views.js';
import type { Sql } from '../db/sql.js';
import { inventoryTree, readView, viewColumns, viewRows } from './inventory-view-store.js';

export type ExportFormat = 'csv' | 'xlsx';

export interface ExportRequest {
  view: InventoryViewId;
  format: ExportFormat;
  site?: string | undefined;
  scope?: InventoryScope | undefined;
  columns?: readonly string[] | undefined;
}

/**
 * RFC 4180 CSV cell (quotes doubled). Text a spreadsheet would run as a formula (=, +, -, @ first)
 * gets a leading apostrophe: names, annotations and attributes come from vCenter.
 */
export function csvCell(v: ViewCell): string {
  if (v === null) return '';
  let s = typeof v === 'boolean' ? (v ? 'true' : 'false') : String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The same guard for a spreadsheet cell: text that would be read as a formula stays text. */
const xlsxCell = (v: ViewCell): ViewCell => (typeof v === 'string' && /^[=+\-@]/.test(v) ? `'${v}` : v);

async function write(out: Writable, chunk: string): Promise<void> {
  if (!out.write(chunk)) await once(out, 'drain');
}

/**
 * Writes a whole view to `out` as CSV or .xlsx, a page of rows at a time: the xlsx side uses
 * exceljs's streaming WorkbookWriter (rows committed as they come), so memory stays bounded at
 * 100,000 rows. Returns how many rows were written. `out` is ended.
 */
export async function exportView(db: Sql, q: ExportRequest, out: Writable): Promise<number> {
  const columns = viewColumns(q.view, q.columns);
  const labels = new Map(inventoryViews[q.view].columns.map((c) => [c.id, c.label]));
  let n = 0;
  if (q.format === 'csv') {
    await write(out, `${columns.map((c) => csvCell(labels.get(c) ?? c)).join(',')}\r\n`);
    for await (const page of viewRows(db, q.view, q.site, q.scope)) {
      let chunk = '';
      for (const r of page) chunk += `${columns.map((c) => csvCell(r[c] ?? null)).join(',')}\r\n`;
      n += page.length;
      await write(out, chunk);
    }
    out.end();
    await once(out, 'finish');
    return n;
  }
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
  const sheet = workbook.addWorksheet(inventoryViews[q.view].label, { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = columns.map((c) => ({ header: labels.get(c) ?? c, key: c, width: Math.max(10, (labels.get(c) ?? c).length + 2) }));
  sheet.getRow(1).font = { bold: true };
  sheet.getRow(1).commit();
  for await (const page of viewRows(db, q.view, q.site, q.scope)) {
    for (const r of page) sheet.addRow(columns.map((c) => xlsxCell(r[c] ?? null))).commit();
    n += page.length;
  }
  sheet.commit();
  await workbook.commit();
  return n;
}

/** A whole view as one buffer (the UI's download); the CLI streams to its file instead. */
export async function exportViewToBuffer(db: Sql, q: ExportRequest): Promise<{ buffer: Buffer; rows: number }> {
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (c: Buffer) => chunks.push(c));
  const rows = await exportView(db, q, sink);
  return { buffer: Buffer.concat(chunks), rows };
}

export const EXPORT_MIME: Record<ExportFormat, string> = {
  csv: 'text/csv;charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

/** outpost-vinfo-lab-20261206-2130.xlsx */
export function exportFileName(q: Pick<ExportRequest, 'view' | 'format' | 'site' | 'scope'>, now = new Date()): string {
  const stamp = now.toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', '-');
  const where = (q.scope?.site ?? q.site ?? 'all-sites').replace(/[^\w.-]+/g, '_');
  return `outpost-${q.view}-${where}-${stamp}.${q.format}`;
}

/** The navigation tree, view rows and exports, as the contract serves them (inventory.tree/view/export). */
export class InventoryViewService {
  constructor(private readonly db: Sql) {}

  async tree(site?: string): Promise<InventoryTreeNode[]> {
    return await inventoryTree(this.db, site);
  }

  async view(q: { view: InventoryViewId; site?: string | undefined; scope?: InventoryScope | undefined; limit: number }): Promise<{ columns: string[]; rows: ViewCell[][]; total: number; truncated: boolean }> {
    return await readView(this.db, q);
  }

  async export(q: ExportRequest): Promise<{ fileName: string; mime: string; base64: string; rows: number }> {
    const { buffer, rows } = await exportViewToBuffer(this.db, q);
    return { fileName: exportFileName(q), mime: EXPORT_MIME[q.format], base64: buffer.toString('base64'), rows };
  }

  /** Streams a view to a file (the CLI): memory stays bounded whatever the row count. */
  async exportTo(q: ExportRequest, out: Writable): Promise<number> {
    return await exportView(this.db, q, out);
  }
}
