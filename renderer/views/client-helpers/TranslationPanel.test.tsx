import { act, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { CommandInput } from '../../../core/contract';
import { createFakeBridge, type FakeBridge, type FakeHandler } from '../../testing/fake-bridge';
import { renderApp, unmountAll } from '../../testing/render-app';
import { PREVIEW_DELAY_MS } from './TranslationPanel';

afterEach(unmountAll);

type PreviewInput = CommandInput<'helpers.translate.preview'>;

// FAKE preview: echoes what it was asked, so the test sees which format and spec went out.
const preview: FakeHandler = (input) => {
  const i = input as PreviewInput;
  return { ok: true, value: { tag: `outpost:translate:${i.subnet}=>${i.to ?? i.toPrefix}`, rules: `${i.format}: ${i.subnet} -> ${i.to ?? i.toPrefix} ports ${(i.ports ?? []).join(',') || 'all'}` } };
};

const settle = async (): Promise<void> => {
  await act(async () => {
    await new Promise((resolve) => setTimeout(resolve, PREVIEW_DELAY_MS + 30));
  });
};

const previews = (bridge: FakeBridge) => bridge.calls.filter((c) => c.command === 'helpers.translate.preview').map((c) => c.input as PreviewInput);

async function typeSpec(): Promise<void> {
  fireEvent.change(screen.getByLabelText('Private prefix'), { target: { value: '192.168.100.0/24' } });
  fireEvent.change(screen.getByLabelText('Forwarding IP'), { target: { value: '203.0.113.10' } });
  await settle();
}

describe('Translation form', () => {
  it('previews as the operator types, once per pause, and again for each format', async () => {
    const bridge = createFakeBridge({ 'helpers.translate.preview': preview });
    await renderApp(bridge, 'client-helpers');
    expect(screen.getByRole('tab', { name: 'Translation' }).getAttribute('aria-selected')).toBe('true');
    expect(screen.queryByTestId('translation-rules')).toBeNull();
    expect(previews(bridge)).toEqual([]); // an empty form asks nothing

    await typeSpec();
    expect(previews(bridge)).toEqual([{ subnet: '192.168.100.0/24', to: '203.0.113.10', protocol: 'tcp', format: 'iptables' }]);
    expect(screen.getByTestId('translation-rules').textContent).toBe('iptables: 192.168.100.0/24 -> 203.0.113.10 ports all');
    expect(screen.getByRole('button', { name: 'Copy the rules' })).toBeTruthy();

    for (const [label, format] of [
      ['nftables', 'nft'],
      ['Windows', 'windows'],
      ['macOS', 'macos'],
    ] as const) {
      fireEvent.click(within(screen.getByRole('radiogroup', { name: 'Rules for' })).getByRole('radio', { name: label }));
      await settle();
      expect(previews(bridge).at(-1)?.format).toBe(format);
      expect(screen.getByTestId('translation-rules').textContent).toBe(`${format}: 192.168.100.0/24 -> 203.0.113.10 ports all`);
    }

    // Ports as typed (spaces or commas), repeats once; a mapped prefix replaces the forwarding IP.
    fireEvent.change(screen.getByLabelText('Ports (optional)'), { target: { value: '22, 443 22' } });
    fireEvent.click(screen.getByRole('radio', { name: 'Mapped prefix' }));
    fireEvent.change(screen.getByLabelText('Public prefix'), { target: { value: '203.0.113.0/24' } });
    await settle();
    expect(previews(bridge).at(-1)).toEqual({ subnet: '192.168.100.0/24', toPrefix: '203.0.113.0/24', ports: [22, 443], protocol: 'tcp', format: 'macos' });
    expect(screen.getByTestId('translation-rules').textContent).toBe('macos: 192.168.100.0/24 -> 203.0.113.0/24 ports 22,443');
  });

  it('shows a failing preview inline with its code and marks the field the contract names', async () => {
    const bridge = createFakeBridge({
      'helpers.translate.preview': () => ({
        ok: false,
        error: { code: 'VALIDATION', message: 'Invalid input: ports.0', details: { issues: [{ path: ['ports', 0], message: 'Invalid input: expected number, received null' }] } },
      }),
    });
    await renderApp(bridge, 'client-helpers');
    fireEvent.change(screen.getByLabelText('Ports (optional)'), { target: { value: 'ssh' } });
    await typeSpec();
    // Not a number: it goes to the contract (as null on the JSON wire) so the contract names it.
    expect(previews(bridge)[0]?.ports).toEqual([null]);
    const failure = screen.getByTestId('translation-preview-error');
    expect(failure.textContent).toContain('VALIDATION');
    const ports = screen.getByLabelText('Ports (optional)');
    expect(ports.getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByLabelText('Private prefix').getAttribute('aria-invalid')).toBeNull();
    // A preview is not an action: no toast while typing.
    expect(screen.queryByRole('alert', { name: /Translation rules were not changed/ })).toBeNull();
  });

  it('asks before changing this workstation’s firewall; Keep changes nothing, Apply applies and reads the rules back', async () => {
    const bridge = createFakeBridge({
      'helpers.translate.preview': preview,
      'helpers.translate.apply': () => ({ ok: true, value: { tag: 'outpost:translate:192.168.100.0/24=>203.0.113.10', changed: true } }),
      'helpers.translate.applied': () => ({
        ok: true,
        value: [{ backend: 'nft', tag: 'outpost:translate:192.168.100.0/24=>203.0.113.10', rule: 'handle 4' }],
      }),
    });
    await renderApp(bridge, 'client-helpers');
    expect(screen.getByText(/this workstation’s firewall/)).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Apply…' }) as HTMLButtonElement).disabled).toBe(true);
    await typeSpec();
    fireEvent.click(within(screen.getByRole('radiogroup', { name: 'Firewall on this workstation' })).getByRole('radio', { name: 'nftables' }));

    fireEvent.click(screen.getByRole('button', { name: 'Apply…' }));
    let dialog = screen.getByRole('alertdialog', { name: 'Change this workstation’s firewall?' });
    expect(dialog.textContent).toContain('outpost_translate');
    expect(dialog.textContent).toContain('administrator password (pkexec)');
    expect(dialog.textContent).toContain('203.0.113.10');
    expect(document.activeElement).toBe(within(dialog).getByRole('button', { name: 'Keep' }));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Keep' }));
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(bridge.calls.some((c) => c.command === 'helpers.translate.apply')).toBe(false);

    fireEvent.click(screen.getByRole('button', { name: 'Apply…' }));
    dialog = screen.getByRole('alertdialog', { name: 'Change this workstation’s firewall?' });
    await act(async () => {
      fireEvent.click(within(dialog).getByRole('button', { name: 'Apply rules' }));
    });
    expect(bridge.calls.filter((c) => c.command === 'helpers.translate.apply').map((c) => c.input)).toEqual([
      { subnet: '192.168.100.0/24', to: '203.0.113.10', protocol: 'tcp', backend: 'nft' },
    ]);
    expect(bridge.calls.at(-1)).toEqual({ command: 'helpers.translate.applied', input: { backend: 'nft' } });
    expect(screen.getByText('Translation applied')).toBeTruthy();
    const applied = screen.getByRole('table', { name: 'Translation rules applied on this workstation' });
    expect(within(applied).getByText('handle 4')).toBeTruthy();
  });
});
