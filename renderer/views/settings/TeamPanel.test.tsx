import { act, fireEvent, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { Status } from '../../../core/contract';
import { createFakeBridge, fakeStatus } from '../../testing/fake-bridge';
import { renderApp, unmountAll } from '../../testing/render-app';

afterEach(unmountAll);

const teamStatus: Status = { ...fakeStatus, team: { engine: 'postgres', database: 'postgres://ops@db.example:5432/outpost', connected: true, error: null, others: ['bob@ws2'] } };

describe('Team panel and status bar (FAKE bridge)', () => {
  it('on the local store: joins a team with URL and password; the password leaves the form after the call', async () => {
    const bridge = createFakeBridge({ 'team.connect': () => ({ ok: true, value: { url: 'postgres://ops@db.example:5432/outpost', serverVersion: '15.18', tls: true, restartRequired: true } }) });
    await renderApp(bridge, 'settings');
    expect(screen.getByTestId('status-team').textContent).toBe('Local store');
    expect(screen.getByTestId('team-engine').textContent).toContain('SQLite');
    fireEvent.change(screen.getByLabelText('Team database URL'), { target: { value: 'postgres://ops@db.example:5432/outpost' } });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 's3cret' } });
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Check and save' }));
    });
    expect(bridge.calls.filter((c) => c.command === 'team.connect').map((c) => c.input)).toEqual([{ url: 'postgres://ops@db.example:5432/outpost', password: 's3cret' }]);
    expect((screen.getByLabelText('Password') as HTMLInputElement).value).toBe('');
  });

  it('on a team database: who else is online, and OFFLINE at once when status.changed says so', async () => {
    const bridge = createFakeBridge({ 'status.get': () => ({ ok: true, value: teamStatus }) });
    await renderApp(bridge, 'settings');
    expect(screen.getByTestId('status-team').textContent).toBe('Team: 1 other online (bob@ws2)');
    act(() => bridge.emit('status.changed', { ...teamStatus, team: { ...teamStatus.team, connected: false, error: 'Connection terminated', others: [] } }));
    expect(screen.getByTestId('status-team').textContent).toBe('Team database OFFLINE (read-only)');
  });
});
