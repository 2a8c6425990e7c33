import { act, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { VcenterEvent } from '../../../core/contract';
import { createFakeBridge } from '../../testing/fake-bridge';
import { renderApp, unmountAll } from '../../testing/render-app';
import { matchesEventFilter, MAX_EVENTS_SHOWN } from './use-vcenter-events';

afterEach(unmountAll);

const event = (id: number, over: Partial<VcenterEvent> = {}): VcenterEvent => ({
  id,
  site: 'lab',
  key: id,
  type: 'VmPoweredOffEvent',
  createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, id % 60)).toISOString(),
  recordedAt: '2026-01-01T00:01:00Z',
  userName: 'alice',
  vmMoref: `vm-${id}`,
  vmName: `web-${id}`,
  hostMoref: 'host-1',
  hostName: 'esx1',
  message: `web-${id} is powered off`,
  ...over,
});

describe('Events view (fake bridge)', () => {
  it('live events go on top, filtered like events.list, and the list never holds more than its bound', async () => {
    const bridge = createFakeBridge({ 'events.list': () => ({ ok: true, value: { events: [event(1, { message: '<script>x</script>' })], next: null, lastId: 1 } }) });
    await renderApp(bridge, 'events');
    await act(async () => new Promise((r) => setTimeout(r, 0)));
    expect(screen.getAllByTestId('event-row')).toHaveLength(1);
    expect(screen.getByText('<script>x</script>')).toBeTruthy(); // shown as text
    await act(async () => {
      for (let batch = 0; batch < 11; batch++) {
        bridge.emit('inventory.events', { site: 'lab', events: Array.from({ length: 100 }, (_, i) => event(2 + batch * 100 + i)), truncated: false });
      }
    });
    const rows = screen.getAllByTestId('event-row');
    expect(rows).toHaveLength(MAX_EVENTS_SHOWN);
    expect(rows[0]!.textContent).toContain('web-1101'); // newest first
  });

  it('matchesEventFilter follows events.list: type prefix, exact user, VM or host by name part or moref, time', () => {
    const e = event(5);
    expect(matchesEventFilter(e, { type: 'Vm*' })).toBe(true);
    expect(matchesEventFilter(e, { type: 'VmPoweredOnEvent' })).toBe(false);
    expect(matchesEventFilter(e, { user: 'alice' })).toBe(true);
    expect(matchesEventFilter(e, { user: 'ali' })).toBe(false);
    expect(matchesEventFilter(e, { vm: 'WEB-5' })).toBe(true);
    expect(matchesEventFilter(e, { vm: 'vm-5' })).toBe(true);
    expect(matchesEventFilter(e, { host: 'esx' })).toBe(true);
    expect(matchesEventFilter(e, { since: '2026-01-02T00:00:00Z' })).toBe(false);
  });
});
