import { act, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { CommandInput, HostNetwork, HostVlanResult } from '../../../core/contract';
import { createFakeBridge, type FakeHandler } from '../../testing/fake-bridge';
import { renderApp, unmountAll } from '../../testing/render-app';

afterEach(unmountAll);

// FAKE vCenter answers (the real workflow runs against vcsim in core/networking and e2e/networking.spec.ts).
const hosts: HostNetwork[] = ['esx-1', 'esx-2'].map((host) => ({
  host,
  cluster: 'C1',
  nics: ['vmnic0', 'vmnic1'],
  vswitches: [{ name: 'vSwitch0', uplinks: ['vmnic0'], portGroups: ['VM Network'] }],
  portGroups: [{ name: 'VM Network', vswitch: 'vSwitch0', vlanId: 0 }],
}));
const site = { id: 1, name: 'lab', url: 'https://vc/sdk', username: 'u', lastSyncAt: null, connected: false };
const result = (host: string, outcome: HostVlanResult['outcome'], failure: string | null = null): HostVlanResult => ({
  host,
  cluster: 'C1',
  outcome,
  created: false,
  vswitch: 'vSwitch0',
  checks: [{ check: 'portgroup', ok: outcome !== 'create', detail: outcome === 'create' ? 'port group PG does not exist: create it on vSwitch0 with VLAN 100' : 'ok' }],
  failure,
});
type EnsureInput = CommandInput<'vlan.ensure'>;

const flush = () => act(async () => new Promise((resolve) => setTimeout(resolve, 0)));

describe('Networking view (fake bridge)', () => {
  it('says what to do first without a vCenter', async () => {
    await renderApp(createFakeBridge(), 'networking');
    await flush();
    expect(screen.getByRole('heading', { name: 'No vCenter yet' })).toBeTruthy();
  });

  it('validates the VLAN id locally, previews, keeps Apply off until a current passing preview, and shows failing hosts', async () => {
    const ensure: FakeHandler = (input) => {
      const i = input as EnsureInput;
      const failing = [result('esx-1', 'ready'), result('esx-2', 'failed', 'esx-2: port group PG carries VLAN 100, not 200')];
      // As the service does: a dry run returns the plan with its failures, an apply refuses with them in details.
      if (i.vlanId === 200 && i.dryRun) return { ok: true, value: { site: 'lab', dryRun: true, nic: i.nic, portGroup: i.portGroup, vlanId: 200, ok: false, hosts: failing } };
      if (i.vlanId === 200) return { ok: false, error: { code: 'VLAN_CHECK_FAILED', message: 'Nothing was changed: esx-2: port group PG carries VLAN 100, not 200.', details: { hosts: failing } } };
      const hostsNow = i.dryRun ? [result('esx-1', 'create'), result('esx-2', 'create')] : [{ ...result('esx-1', 'ready'), created: true }, { ...result('esx-2', 'ready'), created: true }];
      return { ok: true, value: { site: 'lab', dryRun: i.dryRun ?? false, nic: i.nic, portGroup: i.portGroup, vlanId: i.vlanId, ok: true, hosts: hostsNow } };
    };
    const bridge = createFakeBridge({ 'sites.list': () => ({ ok: true, value: [site] }), 'vlan.list': () => ({ ok: true, value: hosts }), 'vlan.ensure': ensure });
    await renderApp(bridge, 'networking');
    await flush();
    const table = screen.getByTestId('host-networks');
    expect(within(table).getByTestId('portgroup-esx-1-VM Network').textContent).toContain('no VLAN');
    expect(within(table).getAllByText('not on a vSwitch')).toHaveLength(2);

    const form = screen.getByRole('form', { name: 'Ensure a port group' });
    fireEvent.change(within(form).getByLabelText('Port group'), { target: { value: 'PG' } });
    fireEvent.change(within(form).getByLabelText('VLAN id'), { target: { value: '4096' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Preview' }));
    expect(within(form).getByText('The VLAN id is 0-4095.')).toBeTruthy();
    expect(bridge.calls.filter((c) => c.command === 'vlan.ensure')).toHaveLength(0);

    fireEvent.change(within(form).getByLabelText('VLAN id'), { target: { value: '100' } });
    const apply = within(form).getByTestId('vlan-apply') as HTMLButtonElement;
    expect(apply.disabled).toBe(true);
    fireEvent.click(within(form).getByRole('button', { name: 'Preview' }));
    await flush();
    expect(bridge.calls.filter((c) => c.command === 'vlan.ensure').map((c) => c.input)).toEqual([{ site: 'lab', cluster: 'C1', nic: 'vmnic0', portGroup: 'PG', vlanId: 100, dryRun: true }]);
    expect(within(form).getByTestId('vlan-result-esx-1').textContent).toContain('Will create');
    expect(apply.disabled).toBe(false);
    expect(apply.textContent).toBe('Create on 2 host(s)');

    // Editing after the preview makes it stale: preview again before applying.
    fireEvent.change(within(form).getByLabelText('VLAN id'), { target: { value: '200' } });
    expect(apply.disabled).toBe(true);
    expect(within(form).getByText(/preview again before applying/)).toBeTruthy();
    fireEvent.click(within(form).getByRole('button', { name: 'Preview' }));
    await flush();
    expect(within(form).getByTestId('vlan-result-esx-2').textContent).toContain('esx-2: port group PG carries VLAN 100, not 200');
    expect(within(form).getByTestId('vlan-result-esx-2').textContent).toContain('Fails');
    expect(apply.disabled).toBe(true);
  });

  it('applies exactly the previewed port group, then reads the hosts again', async () => {
    const bridge = createFakeBridge({
      'sites.list': () => ({ ok: true, value: [site] }),
      'vlan.list': () => ({ ok: true, value: hosts }),
      'vlan.ensure': (input) => {
        const i = input as EnsureInput;
        const hostsNow = i.dryRun ? [result('esx-1', 'create')] : [{ ...result('esx-1', 'ready'), created: true }];
        return { ok: true, value: { site: 'lab', dryRun: i.dryRun ?? false, nic: i.nic, portGroup: i.portGroup, vlanId: i.vlanId, ok: true, hosts: hostsNow, ...(i.dryRun ? {} : { procedureId: '0f1e2d3c-aaaa-bbbb-cccc-000000000001' }) } };
      },
    });
    await renderApp(bridge, 'networking');
    await flush();
    const form = screen.getByRole('form', { name: 'Ensure a port group' });
    fireEvent.click(within(form).getByRole('radio', { name: 'One host' }));
    fireEvent.change(within(form).getByLabelText('Port group'), { target: { value: 'PG' } });
    fireEvent.change(within(form).getByLabelText('VLAN id'), { target: { value: '7' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Preview' }));
    await flush();
    const listsBefore = bridge.calls.filter((c) => c.command === 'vlan.list').length;
    fireEvent.click(within(form).getByTestId('vlan-apply'));
    await flush();
    expect(bridge.calls.filter((c) => c.command === 'vlan.ensure').map((c) => c.input)).toEqual([
      { site: 'lab', host: 'esx-1', nic: 'vmnic0', portGroup: 'PG', vlanId: 7, dryRun: true },
      { site: 'lab', host: 'esx-1', nic: 'vmnic0', portGroup: 'PG', vlanId: 7, dryRun: false },
    ]);
    expect(within(form).getByTestId('vlan-result-esx-1').textContent).toContain('Created');
    expect(bridge.calls.filter((c) => c.command === 'vlan.list').length).toBe(listsBefore + 1);
    expect(screen.getByText('Port group PG created')).toBeTruthy();
    expect(within(screen.getByTestId('vlan-procedure')).getByRole('link', { name: '0f1e2d3c' }).getAttribute('href')).toBe('#/procedures/0f1e2d3c-aaaa-bbbb-cccc-000000000001');
  });

  it('reads the hosts again when a VLAN run ends elsewhere (procedure.updated), not for other runs', async () => {
    const bridge = createFakeBridge({ 'sites.list': () => ({ ok: true, value: [site] }), 'vlan.list': () => ({ ok: true, value: hosts }) });
    await renderApp(bridge, 'networking');
    await flush();
    const reads = () => bridge.calls.filter((c) => c.command === 'vlan.list').length;
    const before = reads();
    const run = { id: 'r1', target: 'lab/C1/PG', createdAt: '', updatedAt: '', createdBy: 'cli', step: null };
    await act(async () => {
      bridge.emit('procedure.updated', { ...run, kind: 'nat.add', state: 'succeeded' });
      bridge.emit('procedure.updated', { ...run, kind: 'vlan.ensure', state: 'running' });
    });
    await flush();
    expect(reads()).toBe(before);
    await act(async () => bridge.emit('procedure.updated', { ...run, kind: 'vlan.ensure', state: 'succeeded' }));
    await flush();
    expect(reads()).toBe(before + 1);
  });
  it('connects a VM to a port group: the form sends the adapter number, or add for a new one, and shows the adapters read back', async () => {
    const nicRow = (network: string) => ({ index: 1, key: 4000, label: 'Network adapter 1', type: 'VirtualVmxnet3', network, backing: 'network' as const, macAddress: '00:50:56:aa:bb:cc', connected: true, startConnected: true });
    const attach: FakeHandler = (input) => {
      const i = input as CommandInput<'vlan.attach'>;
      return { ok: true, value: { site: 'lab', vm: 'web-1', moref: 'vm-1', nic: i.nic ?? 2, portGroup: i.portGroup, previous: i.add ? null : 'VM Network', added: i.add ?? false, changed: true, nics: [nicRow(i.portGroup)], procedureId: '00000000-0000-4000-8000-000000000001' } };
    };
    const bridge = createFakeBridge({ 'sites.list': () => ({ ok: true, value: [site] }), 'vlan.list': () => ({ ok: true, value: hosts }), 'vlan.attach': attach });
    await renderApp(bridge, 'networking');
    await flush();
    const form = screen.getByRole('form', { name: 'Connect a VM to a port group' });
    const connect = within(form).getByRole('button', { name: 'Connect' }) as HTMLButtonElement;
    expect(connect.disabled).toBe(true); // no VM, no port group yet
    fireEvent.change(within(form).getByLabelText('VM'), { target: { value: 'web-1' } });
    fireEvent.change(within(form).getByLabelText('Port group'), { target: { value: 'VM Network' } });
    fireEvent.click(connect);
    await flush();
    expect(within(form).getByTestId('net-attach-result').textContent).toContain('Adapter 1 moved from VM Network to VM Network');
    expect(within(form).getByTestId('vm-nic-1').textContent).toContain('00:50:56:aa:bb:cc');
    fireEvent.change(within(form).getByLabelText('Adapter'), { target: { value: 'new' } });
    fireEvent.click(connect);
    await flush();
    expect(bridge.calls.filter((c) => c.command === 'vlan.attach').map((c) => c.input)).toEqual([
      { site: 'lab', vm: 'web-1', portGroup: 'VM Network', nic: 1, add: false },
      { site: 'lab', vm: 'web-1', portGroup: 'VM Network', add: true },
    ]);
    expect(within(form).getByTestId('net-attach-result').textContent).toContain('Adapter 2 added on VM Network');
  });
});
