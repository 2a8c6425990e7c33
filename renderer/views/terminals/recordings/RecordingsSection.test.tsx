import { act, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { CommandOutput } from '../../../../core/contract';
import { createFakeBridge } from '../../../testing/fake-bridge';
import { renderApp, unmountAll } from '../../../testing/render-app';

afterEach(() => unmountAll());

const ok = (value: unknown) => ({ ok: true as const, value });
type RecordingInfo = CommandOutput<'recording.list'>[number];
const recording = (id: number, extra: Partial<RecordingInfo>): RecordingInfo => ({
  id,
  file: `${id}.cast`,
  actor: 'op',
  target: `root@10.0.0.${id}:22`,
  kind: 'ssh',
  startedAt: `2026-12-0${id}T10:00:00.000Z`,
  endedAt: null,
  durationMs: null,
  bytes: 10,
  errorCode: null,
  ...extra,
});
const recordings = [recording(1, { durationMs: 90_000 }), recording(2, { durationMs: null }), recording(3, { durationMs: 4_000, errorCode: 'RECORDING_FAILED' })];

describe('Recorded sessions (component, FAKE bridge)', () => {
  it('lists the recordings in a DataTable: sorts by how long (running last), Enter on a row asks for its cast as Play does', async () => {
    const bridge = createFakeBridge({
      'terminal.list': () => ok([]),
      'fanout.list': () => ok([]),
      'recording.list': () => ok(recordings),
      'recording.get': () => ({ ok: false as const, error: { code: 'NOT_FOUND', message: 'gone' } }),
    });
    await renderApp(bridge, 'terminals');
    const toggle = await screen.findByTestId('recordings-toggle', {}, { timeout: 10_000 }); // the view loads on first open
    await act(async () => {
      fireEvent.click(toggle);
    });
    const table = await screen.findByRole('table', { name: 'Recorded sessions' });
    const ids = (): string[] => within(table).getAllByRole('row').slice(1).map((r) => r.getAttribute('data-recording-id') ?? '');
    expect(ids()).toEqual(['1', '2', '3']);
    expect(within(table).getAllByRole('row')[3]!.textContent).toContain('recording stopped early');
    fireEvent.click(within(table).getByRole('button', { name: 'How long' }));
    expect(ids()).toEqual(['3', '1', '2']);
    fireEvent.click(within(table).getByRole('button', { name: 'How long' }));
    expect(ids()).toEqual(['1', '3', '2']);

    const row = within(table).getAllByRole('row')[2]!; // recording 3
    await act(async () => {
      fireEvent.keyDown(row, { key: 'Enter' });
    });
    expect(bridge.calls.filter((c) => c.command === 'recording.get').map((c) => c.input)).toEqual([{ id: 3, offset: 0 }]);
    await act(async () => {
      fireEvent.click(within(row).getByRole('button', { name: 'Play' }));
    });
    expect(bridge.calls.filter((c) => c.command === 'recording.get')).toHaveLength(2);
  });
});
