import { act, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { CommandInput, PreflightList } from '../../../core/contract';
import { createFakeBridge, type FakeBridge, type FakeHandler } from '../../testing/fake-bridge';
import { renderApp, unmountAll } from '../../testing/render-app';

afterEach(unmountAll);

type RunInput = CommandInput<'helpers.preflight.run'>;

// FAKE checker: port 22 open, 3128 times out, 5000 has no DNS, everything else refused.
const fakeRun: FakeHandler = (input) => ({
  ok: true,
  value: (input as RunInput).targets.map(({ host, port }) => ({
    host,
    port,
    status: port === 22 ? 'open' : port === 3128 ? 'timeout' : port === 5000 ? 'dns-error' : 'refused',
    latencyMs: port === 22 ? 12.4 : port === 3128 ? 1500 : 3,
    detail: port === 22 ? null : port === 3128 ? 'no answer in 1500 ms' : 'ECONNREFUSED',
  })),
});

async function openPreflight(bridge: FakeBridge): Promise<void> {
  await renderApp(bridge, 'client-helpers');
  await act(async () => {
    fireEvent.click(screen.getByRole('tab', { name: 'Preflight' }));
    await new Promise((resolve) => setTimeout(resolve, 0));
  });
}

const runs = (bridge: FakeBridge) => bridge.calls.filter((c) => c.command === 'helpers.preflight.run').map((c) => c.input as RunInput);

describe('Preflight', () => {
  it('adds the controller preset for a host, runs it, and shows each port with a status badge and latency', async () => {
    const bridge = createFakeBridge({ 'helpers.preflight.run': fakeRun });
    await openPreflight(bridge);
    expect(window.location.hash).toBe('#/client-helpers/preflight');

    // No host yet: the preset says what it needs.
    fireEvent.click(screen.getByRole('button', { name: 'Add ports' }));
    expect(screen.getByLabelText('Controller preset').getAttribute('aria-invalid')).toBe('true');

    fireEvent.change(screen.getByLabelText('Targets'), { target: { value: 'ctl.example:22' } });
    fireEvent.change(screen.getByLabelText('Controller preset'), { target: { value: 'ctl.example' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add ports' }));
    expect((screen.getByLabelText('Targets') as HTMLTextAreaElement).value).toBe(
      ['ctl.example:22', 'ctl.example:3128', 'ctl.example:5000', 'ctl.example:8080', 'ctl.example:8777', 'ctl.example:9292', 'ctl.example:9696', 'ctl.example:35357'].join('\n'),
    );
    fireEvent.change(screen.getByLabelText('Timeout (ms)'), { target: { value: '1500' } });
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Run preflight' }));
    });

    expect(runs(bridge)).toEqual([{ targets: [22, 3128, 5000, 8080, 8777, 9292, 9696, 35357].map((port) => ({ host: 'ctl.example', port })), timeoutMs: 1500, concurrency: 32 }]);
    const table = screen.getByRole('table', { name: 'Preflight results' });
    expect(within(table).getAllByRole('row')).toHaveLength(9);
    const open = screen.getByTestId('preflight-row-ctl.example:22');
    expect(within(open).getByText('open').className).toBe('badge badge-port-open');
    expect(within(open).getByText('12 ms')).toBeTruthy();
    const timedOut = screen.getByTestId('preflight-row-ctl.example:3128');
    expect(within(timedOut).getByText('timeout').className).toBe('badge badge-port-timeout');
    expect(within(timedOut).getByText('1500 ms')).toBeTruthy();
    expect(within(timedOut).getByText('no answer in 1500 ms')).toBeTruthy();
    expect(within(screen.getByTestId('preflight-row-ctl.example:5000')).getByText('dns-error').className).toBe('badge badge-port-dns-error');
    expect(within(screen.getByTestId('preflight-row-ctl.example:9696')).getByText('refused').className).toBe('badge badge-port-refused');
    expect(screen.getByTestId('preflight-summary').textContent).toMatch(/8 checked at .* \(timeout 1500 ms\): 1 open, 5 refused, 1 timeout, 1 dns-error$/);
  });

  it('a word that is not HOST:PORT blocks the run and is named on the field', async () => {
    const bridge = createFakeBridge({ 'helpers.preflight.run': fakeRun });
    await openPreflight(bridge);
    fireEvent.change(screen.getByLabelText('Targets'), { target: { value: 'ok.example:22\ncontroller' } });
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Run preflight' }));
    });
    expect(runs(bridge)).toEqual([]);
    const targets = screen.getByLabelText('Targets');
    expect(targets.getAttribute('aria-invalid')).toBe('true');
    expect(document.getElementById('preflight-targets-error')?.textContent).toBe('Line 2: “controller” is not HOST:PORT (port 1–65535).');
  });

  it('saves the targets under a name, loads a saved list back and deletes one after asking', async () => {
    let saved: PreflightList[] = [{ name: 'lab', targets: [{ host: '10.0.0.1', port: 22 }], timeoutMs: 900, updatedAt: '2025-01-01T00:00:00Z' }];
    const bridge = createFakeBridge({
      'helpers.preflight.lists': () => ({ ok: true, value: saved }),
      'helpers.preflight.save': (input) => {
        const i = input as CommandInput<'helpers.preflight.save'>;
        const list = { name: i.name, targets: i.targets, timeoutMs: i.timeoutMs ?? 3000, updatedAt: '2025-01-02T00:00:00Z' };
        saved = [...saved, list];
        return { ok: true, value: list };
      },
      'helpers.preflight.delete': (input) => {
        saved = saved.filter((l) => l.name !== (input as { name: string }).name);
        return { ok: true, value: { deleted: true } };
      },
    });
    await openPreflight(bridge);
    const lists = screen.getByRole('list', { name: 'Saved preflight lists' });
    expect(within(lists).getByText('lab')).toBeTruthy();

    fireEvent.change(screen.getByLabelText('Targets'), { target: { value: 'a:1 b:2' } });
    fireEvent.change(screen.getByLabelText('List name'), { target: { value: 'pair' } });
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Save targets' }));
    });
    expect(bridge.calls.find((c) => c.command === 'helpers.preflight.save')?.input).toEqual({ name: 'pair', targets: [{ host: 'a', port: 1 }, { host: 'b', port: 2 }], timeoutMs: 3000 });
    expect(within(screen.getByRole('list', { name: 'Saved preflight lists' })).getByText('pair')).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'Load lab' }));
    expect((screen.getByLabelText('Targets') as HTMLTextAreaElement).value).toBe('10.0.0.1:22');
    expect((screen.getByLabelText('Timeout (ms)') as HTMLInputElement).value).toBe('900');
    expect((screen.getByLabelText('List name') as HTMLInputElement).value).toBe('lab');

    fireEvent.click(screen.getByRole('button', { name: 'Delete lab' }));
    await act(async () => {
      fireEvent.click(within(screen.getByRole('alertdialog', { name: 'Delete the list “lab”?' })).getByRole('button', { name: 'Delete list' }));
    });
    expect(bridge.calls.find((c) => c.command === 'helpers.preflight.delete')?.input).toEqual({ name: 'lab' });
    expect(within(screen.getByRole('list', { name: 'Saved preflight lists' })).queryByText('lab')).toBeNull();
  });
});
