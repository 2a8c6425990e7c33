import { act, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { createFakeBridge } from '../../testing/fake-bridge';
import { renderApp, unmountAll } from '../../testing/render-app';
import { configJumpText } from './HostShortcuts';

afterEach(() => unmountAll());

const ok = (value: unknown) => ({ ok: true as const, value });

/** The app on the Terminals page (loaded on first open), its New terminal dialog open. */
async function openTerminalDialog(bridge: ReturnType<typeof createFakeBridge>): Promise<HTMLElement> {
  await renderApp(bridge, 'terminals');
  const open = await screen.findAllByRole('button', { name: 'New terminal' }, { timeout: 10_000 });
  await act(async () => {
    fireEvent.click(open[0]!);
  });
  return screen.findByTestId('open-terminal-dialog');
}
const configHosts = [
  { alias: 'inner', hostName: '10.1.0.5', port: 22, user: 'root', identityFiles: [], proxyJump: ['bastion'] },
  { alias: 'bastion', hostName: 'bastion.lab', port: 2222, user: 'ops', identityFiles: [], proxyJump: [] },
  { alias: 'direct', hostName: 'direct.lab', port: 22, user: null, identityFiles: [], proxyJump: ['none'] },
];

describe('Open terminal dialog: jump hosts (component, FAKE bridge)', () => {
  it('writes a ProxyJump that names a config host as that host, and "none" as no jump', () => {
    expect(configJumpText(['bastion'], configHosts)).toBe('ops@bastion.lab:2222');
    expect(configJumpText(['admin@edge:22', 'bastion'], configHosts)).toBe('admin@edge:22, ops@bastion.lab:2222');
    expect(configJumpText(['none'], configHosts)).toBe('');
  });

  it('opens an SSH terminal through the jump hosts a config host names; a bad chain is refused before anything is sent', async () => {
    const bridge = createFakeBridge({
      'credentials.list': () => ok([{ id: 1, name: 'ops', kind: 'private-key', username: 'root', scope: { type: 'global' }, createdAt: '', updatedAt: '' }]),
      'terminal.list': () => ok([]),
      'fanout.list': () => ok([]),
      'sshConfig.hosts': () => ok(configHosts),
      'terminal.open': () => ({ ok: false as const, error: { code: 'UNREACHABLE', message: 'stop here' } }),
    });
    const dialog = await openTerminalDialog(bridge);
    await within(dialog).findByRole('option', { name: /inner/ });
    await act(async () => {
      fireEvent.change(within(dialog).getByLabelText('From ~/.ssh/config'), { target: { value: 'inner' } });
    });
    const jumps = within(dialog).getByLabelText('Jump host(s)') as HTMLInputElement;
    expect(jumps.value).toBe('ops@bastion.lab:2222');
    fireEvent.change(within(dialog).getByLabelText('Credential profile'), { target: { value: 'ops' } });
    await act(async () => {
      fireEvent.click(within(dialog).getByRole('button', { name: 'Connect' }));
    });
    const opened = bridge.calls.filter((c) => c.command === 'terminal.open');
    expect(opened).toHaveLength(1);
    expect(opened[0]!.input).toMatchObject({
      target: { type: 'ssh', host: '10.1.0.5', port: 22, user: 'root', credential: 'ops', jumps: [{ host: 'bastion.lab', port: 2222, user: 'ops', credential: 'ops' }] },
    });

    fireEvent.change(jumps, { target: { value: 'ops@@bastion' } });
    await act(async () => {
      fireEvent.click(within(dialog).getByRole('button', { name: 'Connect' }));
    });
    expect(within(dialog).getByTestId('open-terminal-error').textContent).toMatch(/Jump host\(s\)/);
    expect(bridge.calls.filter((c) => c.command === 'terminal.open')).toHaveLength(1);
  });

  it('each hop of a two-hop chain logs in with the credential picked on its own row (a row left alone follows the one before it)', async () => {
    const profile = (id: number, name: string, username: string) => ({ id, name, kind: 'private-key', username, scope: { type: 'global' }, createdAt: '', updatedAt: '' });
    const bridge = createFakeBridge({
      'credentials.list': () => ok([profile(1, 'ops', 'root'), profile(2, 'bastion-key', 'ops'), profile(3, 'inner-key', 'jump')]),
      'terminal.list': () => ok([]),
      'fanout.list': () => ok([]),
      'sshConfig.hosts': () => ok([]),
      'terminal.open': () => ({ ok: false as const, error: { code: 'UNREACHABLE', message: 'stop here' } }),
    });
    const dialog = await openTerminalDialog(bridge);
    await within(dialog).findByRole('option', { name: /inner-key/ });
    fireEvent.change(within(dialog).getByLabelText('Host'), { target: { value: '10.1.0.5' } });
    fireEvent.change(within(dialog).getByLabelText('Credential profile'), { target: { value: 'ops' } });
    // No chain: no hop rows.
    expect(within(dialog).queryByTestId('jump-hops')).toBeNull();
    fireEvent.change(within(dialog).getByLabelText('Jump host(s)'), { target: { value: 'bastion.lab:2222, 10.1.0.1' } });
    expect(within(dialog).getAllByTestId('jump-hop-address').map((e) => e.textContent)).toEqual(['bastion.lab:2222', '10.1.0.1:22']);
    const hop1 = within(dialog).getByLabelText('Credential for hop 1') as HTMLSelectElement;
    const hop2 = within(dialog).getByLabelText('Credential for hop 2') as HTMLSelectElement;
    expect(within(hop1).getAllByRole('option')[0]!.textContent).toBe('Same as the host');
    // The address is the select's description (a screen reader says which hop it is for).
    expect(document.getElementById(hop2.getAttribute('aria-describedby')!)?.textContent).toBe('10.1.0.1:22');
    fireEvent.change(hop1, { target: { value: 'bastion-key' } });
    expect(hop2.value).toBe('bastion-key');
    fireEvent.change(hop2, { target: { value: 'inner-key' } });
    await act(async () => {
      fireEvent.click(within(dialog).getByRole('button', { name: 'Connect' }));
    });
    const opened = bridge.calls.filter((c) => c.command === 'terminal.open');
    expect(opened).toHaveLength(1);
    expect(opened[0]!.input).toMatchObject({
      target: {
        type: 'ssh',
        host: '10.1.0.5',
        credential: 'ops',
        jumps: [
          { host: 'bastion.lab', port: 2222, credential: 'bastion-key' },
          { host: '10.1.0.1', port: 22, credential: 'inner-key' },
        ],
      },
    });
  });
});
