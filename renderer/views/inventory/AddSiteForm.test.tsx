import { act, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { AddedSite, ErrorCode, SiteSummary } from '../../../core/contract';
import { createFakeBridge, type FakeBridge } from '../../testing/fake-bridge';
import { renderApp, unmountAll } from '../../testing/render-app';

afterEach(unmountAll);

const FINGERPRINT = 'AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89';
const cert = { fingerprint: FINGERPRINT, subject: 'CN=vcsim.test', issuer: 'CN=vcsim.test', validFrom: '2025-01-01T00:00:00Z', validTo: '2099-01-01T00:00:00Z' };
const added: AddedSite = {
  id: 1,
  name: 'dc1',
  url: 'https://127.0.0.1:8989/sdk',
  username: 'user',
  fingerprint: FINGERPRINT,
  vcenter: { fullName: 'VMware vCenter Server 7.0.0', version: '7.0.0', build: '1', instanceUuid: 'x' },
};

async function openSites(bridge: FakeBridge): Promise<void> {
  await renderApp(bridge, 'inventory');
  await act(async () => {
    fireEvent.click(screen.getByRole('tab', { name: /vCenters/ }));
    await new Promise((resolve) => setTimeout(resolve, 0));
  });
}

async function fillAndSubmit(): Promise<void> {
  fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'dc1' } });
  fireEvent.change(screen.getByLabelText('URL'), { target: { value: 'https://127.0.0.1:8989/sdk' } });
  fireEvent.change(screen.getByLabelText('User'), { target: { value: 'user' } });
  fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'pass' } });
  await act(async () => {
    fireEvent.click(screen.getByRole('button', { name: 'Add vCenter' }));
  });
}

const adds = (bridge: FakeBridge): unknown[] => bridge.calls.filter((c) => c.command === 'sites.add').map((c) => c.input);

describe('Add a vCenter (fake bridge)', () => {
  it('an untrusted certificate shows fingerprint, subject, issuer and validity; Trust and add retries with the fingerprint', async () => {
    let sites: SiteSummary[] = [];
    const bridge = createFakeBridge({
      'sites.list': () => ({ ok: true, value: sites }),
      'sites.add': (input) => {
        if (!(input as { trustFingerprint?: string }).trustFingerprint) {
          return { ok: false, error: { code: 'TLS_UNTRUSTED', message: 'The certificate is not trusted', details: cert } };
        }
        sites = [{ id: 1, name: 'dc1', url: added.url, username: 'user', lastSyncAt: null, connected: false }];
        return { ok: true, value: added };
      },
    });
    await openSites(bridge);
    await fillAndSubmit();

    const prompt = screen.getByTestId('trust-prompt');
    expect(within(prompt).getByTestId('trust-fingerprint').textContent).toBe(FINGERPRINT);
    expect(within(prompt).getByTestId('trust-subject').textContent).toBe('CN=vcsim.test');
    expect(within(prompt).getByTestId('trust-issuer').textContent).toBe('CN=vcsim.test');
    expect(within(prompt).getByTestId('trust-validity').textContent).toMatch(/^2025-01-01 .* to 2099-01-01/);
    // The certificate question is part of the flow, not a failure toast.
    expect(screen.queryByRole('alert')).toBeNull();

    await act(async () => {
      fireEvent.click(within(prompt).getByRole('button', { name: 'Trust and add' }));
    });
    expect(adds(bridge)).toEqual([
      { name: 'dc1', url: 'https://127.0.0.1:8989/sdk', username: 'user', password: 'pass' },
      { name: 'dc1', url: 'https://127.0.0.1:8989/sdk', username: 'user', password: 'pass', trustFingerprint: FINGERPRINT },
    ]);
    expect(screen.queryByTestId('trust-prompt')).toBeNull();
    expect(screen.getByTestId('site-row-dc1').textContent).toContain('Never');
    expect((screen.getByLabelText('Password') as HTMLInputElement).value).toBe('');
  });

  it('an expired certificate says so; Cancel drops the prompt without a retry', async () => {
    const bridge = createFakeBridge({
      'sites.add': () => ({ ok: false, error: { code: 'TLS_UNTRUSTED', message: 'untrusted', details: { ...cert, validTo: '2020-01-01T00:00:00Z' } } }),
    });
    await openSites(bridge);
    await fillAndSubmit();
    expect(screen.getByTestId('trust-validity').textContent).toContain('(expired)');
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByTestId('trust-prompt')).toBeNull();
    expect(adds(bridge)).toHaveLength(1);
  });

  it('TLS_CHANGED is a hard stop; VCENTER_AUTH and VAULT_LOCKED say what to do next', async () => {
    let code: ErrorCode = 'TLS_CHANGED';
    const bridge = createFakeBridge({ 'sites.add': () => ({ ok: false, error: { code, message: `${code} happened` } }) });
    await openSites(bridge);
    await fillAndSubmit();
    expect(screen.getByTestId('site-problem').textContent).toMatch(/Stop: this vCenter.s certificate changed/);
    expect(screen.queryByTestId('trust-prompt')).toBeNull();
    expect(screen.getAllByTestId('toast-code').map((t) => t.textContent)).toContain('TLS_CHANGED');

    code = 'VCENTER_AUTH';
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Add vCenter' }));
    });
    expect(screen.getByTestId('site-problem').textContent).toMatch(/refused the user name or password/);

    code = 'VAULT_LOCKED';
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Add vCenter' }));
    });
    const problem = screen.getByTestId('site-problem');
    expect(problem.textContent).toMatch(/vault is locked/);
    expect(problem.textContent).toMatch(/Set it up or unlock it below/);
  });

  it('fresh install: the vault is set up inline, the add goes on with what was typed, then the site syncs and is watched', async () => {
    let unlocked = false;
    const bridge = createFakeBridge({
      'sites.add': () => (unlocked ? { ok: true, value: added } : { ok: false, error: { code: 'VAULT_LOCKED', message: 'The vault is locked' } }),
      'vault.unlock': () => {
        unlocked = true;
        return { ok: true, value: { kind: 'passphrase', initialised: true, unlocked: true } };
      },
      'inventory.sync': () => ({ ok: true, value: { site: 'dc1', counts: { datacenters: 1, clusters: 1, hosts: 1, networks: 1, datastores: 1, vms: 3 }, removed: 0, pages: 1, elapsedMs: 5 } }),
      'inventory.watch.start': () => ({ ok: true, value: { site: 'dc1', state: 'connecting', syncs: 0, reconnects: 0, lastChangeAt: null, lastError: null } }),
    });
    await openSites(bridge);
    const vault = screen.getByTestId('add-site-vault');
    expect(within(vault).getByRole('heading').textContent).toBe('Set up the vault first');
    await fillAndSubmit();
    expect(screen.getByTestId('site-problem').textContent).toMatch(/vault is locked/);
    // Nothing typed is lost while the vault is set up.
    expect((screen.getByLabelText('Name') as HTMLInputElement).value).toBe('dc1');
    fireEvent.change(within(vault).getByLabelText('New vault passphrase'), { target: { value: 'correct horse battery' } });
    fireEvent.change(within(vault).getByLabelText('Confirm the passphrase'), { target: { value: 'correct horse battery' } });
    await act(async () => {
      fireEvent.click(within(vault).getByRole('button', { name: 'Set up vault' }));
      await new Promise((resolve) => setTimeout(resolve, 0));
    });
    await act(async () => new Promise((resolve) => setTimeout(resolve, 0)));
    expect(adds(bridge)).toEqual([
      { name: 'dc1', url: 'https://127.0.0.1:8989/sdk', username: 'user', password: 'pass' },
      { name: 'dc1', url: 'https://127.0.0.1:8989/sdk', username: 'user', password: 'pass' },
    ]);
    expect(screen.queryByTestId('add-site-vault')).toBeNull();
    // No more clicks: the new site is synced, then watched.
    expect(bridge.calls.filter((c) => c.command === 'inventory.sync' || c.command === 'inventory.watch.start').map((c) => c.command)).toEqual(['inventory.sync', 'inventory.watch.start']);
  });
});
