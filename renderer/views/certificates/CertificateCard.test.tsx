import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { CertificateInfoView, CommandInput } from '../../../core/contract';
import { createFakeBridge, type FakeBridge } from '../../testing/fake-bridge';
import { renderApp, unmountAll } from '../../testing/render-app';

afterEach(unmountAll);

const cert = (over: Partial<CertificateInfoView>): CertificateInfoView => ({
  subject: 'CN=vcenter.lab.example, O=Lab',
  issuer: 'CN=Lab Root CA, O=Lab',
  serialNumber: '01',
  fingerprint256: 'AB:CD:EF',
  validFrom: '2024-01-01T00:00:00.000Z',
  validTo: '2025-01-01T00:00:00.000Z',
  subjectAltNames: ['DNS:vcenter.lab.example', 'IP Address:192.168.100.5'],
  keyUsage: [],
  isCA: false,
  selfSigned: false,
  warnings: [],
  pem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
  ...over,
});

// FAKE inspection result: an expired leaf (not a CA) and a root CA that expires soon.
const chain = [
  cert({ warnings: ['expired', 'not-a-ca'], fingerprint256: '11:22:33' }),
  cert({ subject: 'CN=Lab Root CA, O=Lab', isCA: true, selfSigned: true, subjectAltNames: [], keyUsage: ['keyCertSign', 'cRLSign'], warnings: ['expires-soon'], fingerprint256: '44:55:66' }),
];

async function inspect(bridge: FakeBridge, passphrase = ''): Promise<void> {
  await renderApp(bridge, 'certificates');
  const file = new File(['-----BEGIN CERTIFICATE-----'], 'chain.pem', { type: 'application/x-pem-file' });
  fireEvent.change(screen.getByLabelText('Certificate file'), { target: { files: [file] } });
  if (passphrase) fireEvent.change(screen.getByLabelText('PKCS#12 passphrase (optional)'), { target: { value: passphrase } });
  await act(async () => {
    fireEvent.click(screen.getByRole('button', { name: 'Inspect' }));
  });
  await waitFor(() => expect(bridge.calls.some((c) => c.command === 'certificates.inspect')).toBe(true));
}

const inspected = (bridge: FakeBridge) => bridge.calls.find((c) => c.command === 'certificates.inspect')?.input as CommandInput<'certificates.inspect'> | undefined;

describe('Certificate cards', () => {
  it('shows the chain leaf first with warning badges, roles, fingerprints and a trust action for the CA only', async () => {
    const bridge = createFakeBridge({ 'certificates.inspect': () => ({ ok: true, value: { format: 'pem', privateKeysIgnored: 1, certificates: chain } }) });
    await inspect(bridge);
    expect(inspected(bridge)).toEqual({ contentBase64: btoa('-----BEGIN CERTIFICATE-----'), fileName: 'chain.pem' });

    const leaf = await screen.findByTestId('certificate-0');
    expect(within(leaf).getByRole('heading', { name: 'vcenter.lab.example' })).toBeTruthy();
    expect(within(leaf).getByText('Leaf')).toBeTruthy();
    const leafWarnings = within(leaf).getAllByTestId('certificate-warning');
    expect(leafWarnings.map((w) => [w.textContent, w.className])).toEqual([
      ['expired', 'badge badge-cert-bad'],
      ['not a CA', 'badge badge-cert-info'],
    ]);
    expect(within(leaf).getByText('DNS:vcenter.lab.example, IP Address:192.168.100.5')).toBeTruthy();
    expect(within(leaf).getByTestId('certificate-fingerprint').textContent).toBe('11:22:33');
    expect(within(leaf).getByRole('button', { name: 'Copy the SHA-256 fingerprint of vcenter.lab.example' })).toBeTruthy();
    expect(within(leaf).getByRole('button', { name: 'Copy the PEM of vcenter.lab.example' })).toBeTruthy();
    expect(within(leaf).queryByText('Trust this CA')).toBeNull();

    const root = screen.getByTestId('certificate-1');
    expect(within(root).getByText('Root CA')).toBeTruthy();
    expect(within(root).getAllByTestId('certificate-warning').map((w) => [w.textContent, w.className])).toEqual([['expires within 30 days', 'badge badge-cert-warn']]);
    expect(within(root).getByText('keyCertSign, cRLSign')).toBeTruthy();
    expect(within(root).getByRole('button', { name: 'Trust this CA' })).toBeTruthy();
    expect(screen.getByTestId('chain-summary').textContent).toContain('2 certificates, leaf first; 1 private key ignored');
  });

  it("trusts a CA through the contract with that certificate's PEM", async () => {
    const bridge = createFakeBridge({
      'certificates.inspect': () => ({ ok: true, value: { format: 'pem', privateKeysIgnored: 0, certificates: chain } }),
      'certificates.trust': () => ({ ok: true, value: { fingerprint256: '44:55:66', added: true } }),
    });
    await inspect(bridge);
    const root = await screen.findByTestId('certificate-1');
    await act(async () => {
      fireEvent.click(within(root).getByRole('button', { name: 'Trust this CA' }));
    });
    await waitFor(() => expect(within(root).getByRole('button', { name: 'Trusted' })).toBeTruthy());
    expect(bridge.calls.find((c) => c.command === 'certificates.trust')?.input).toEqual({ pem: chain[1]!.pem });
  });

  it('a wrong PKCS#12 passphrase is a toast with its code and a mark on the field, which is emptied after every call', async () => {
    const bridge = createFakeBridge({ 'certificates.inspect': () => ({ ok: false, error: { code: 'CERT_PASSPHRASE', message: 'The PKCS#12 passphrase is wrong.' } }) });
    await inspect(bridge, 'not-the-one');
    expect(inspected(bridge)?.passphrase).toBe('not-the-one');
    const toast = await screen.findByRole('alert');
    expect(within(toast).getByText('Could not read the certificate file')).toBeTruthy();
    expect(within(toast).getByTestId('toast-code').textContent).toBe('CERT_PASSPHRASE');
    const field = screen.getByLabelText('PKCS#12 passphrase (optional)') as HTMLInputElement;
    expect(field.value).toBe('');
    expect(field.getAttribute('aria-invalid')).toBe('true');
    expect(screen.queryByTestId('certificate-0')).toBeNull();
  });

  it('an unreachable server is a toast with UNREACHABLE; HOST alone means port 443', async () => {
    const bridge = createFakeBridge({ 'certificates.fetch': () => ({ ok: false, error: { code: 'UNREACHABLE', message: 'vc.example:443 refused the connection.' } }) });
    await renderApp(bridge, 'certificates');
    fireEvent.change(screen.getByLabelText('Server'), { target: { value: 'vc.example' } });
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Fetch chain' }));
    });
    expect(bridge.calls.find((c) => c.command === 'certificates.fetch')?.input).toEqual({ host: 'vc.example', port: 443, timeoutMs: 5000 });
    expect(within(screen.getByRole('alert')).getByTestId('toast-code').textContent).toBe('UNREACHABLE');
  });
});
