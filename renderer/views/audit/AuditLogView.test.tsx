import { act, fireEvent, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultSettings, type AuditEntry, type AuditQuery } from '../../../core/contract';
import { createFakeBridge } from '../../testing/fake-bridge';
import { renderApp, unmountAll } from '../../testing/render-app';

afterEach(unmountAll);

const entry = (id: number, action: string, actor = 'ada'): AuditEntry => ({
  id,
  at: `2025-01-01T00:00:${String(id).padStart(2, '0')}Z`,
  actor,
  action,
  target: null,
  outcome: 'ok',
  details: null,
});

/** Twelve entries, newest first, paged like audit.list (keyset on id). */
const history = Array.from({ length: 12 }, (_, i) => entry(12 - i, `action.${12 - i}`));

function fakeAuditList(input: unknown) {
  const q = input as AuditQuery;
  const matching = history.filter((e) => (!q.query || e.action.includes(q.query)) && (!q.beforeId || e.id < q.beforeId));
  const page = matching.slice(0, q.limit ?? 100);
  const more = matching.length > page.length;
  return { ok: true as const, value: { entries: page, nextBeforeId: more ? (page.at(-1)?.id ?? null) : null } };
}

const rows = (): string[] => screen.getAllByRole('row').slice(1).map((r) => r.querySelector('td.mono')?.textContent ?? '');

describe('Audit log view', () => {
  it('pages with the configured page size and loads older entries by keyset', async () => {
    const bridge = createFakeBridge({ 'audit.list': fakeAuditList }, { ...defaultSettings, auditPageSize: 10 });
    await renderApp(bridge, 'audit');
    expect(rows()).toHaveLength(10);
    expect(rows()[0]).toBe('action.12');
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Load older entries' }));
    });
    expect(bridge.calls.filter((c) => c.command === 'audit.list').at(-1)?.input).toEqual({ limit: 10, beforeId: 3 });
    expect(rows()).toHaveLength(12);
    expect(rows().at(-1)).toBe('action.1');
    expect(screen.queryByRole('button', { name: 'Load older entries' })).toBeNull();
  });

  it('adds live entries from audit.appended at the top, only when they match the search', async () => {
    const bridge = createFakeBridge({ 'audit.list': fakeAuditList });
    await renderApp(bridge, 'audit');
    act(() => bridge.emit('audit.appended', entry(13, 'settings.update')));
    expect(rows()[0]).toBe('settings.update');
    // The same entry twice (event and page overlap) is shown once.
    act(() => bridge.emit('audit.appended', entry(13, 'settings.update')));
    expect(rows().filter((r) => r === 'settings.update')).toHaveLength(1);

    fireEvent.change(screen.getByLabelText('Search the audit log'), { target: { value: 'action.1' } });
    await act(async () => {
      await new Promise((resolve) => setTimeout(resolve, 300));
    });
    expect(bridge.calls.filter((c) => c.command === 'audit.list').at(-1)?.input).toEqual({ limit: 100, query: 'action.1' });
    expect(rows()).toEqual(['action.12', 'action.11', 'action.10', 'action.1']);
    act(() => bridge.emit('audit.appended', entry(14, 'vault.unlock')));
    expect(rows()).not.toContain('vault.unlock');
  });

  it('says what to do first when the log is empty', async () => {
    await renderApp(createFakeBridge(), 'audit');
    expect(screen.getByRole('heading', { name: 'The audit log is empty' })).toBeTruthy();
    expect(screen.getByText(/Set your operator name in Settings/)).toBeTruthy();
  });
});
