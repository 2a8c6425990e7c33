import { useEffect, useState } from 'react';
import { useClient } from '../../app/shell-context';
import { hashForView } from '../../navigation/hash-route';
import { EmptyState } from '../../ui/EmptyState';
import { ListWithForm } from '../../ui/ListWithForm';
import { AllocationsPanel } from './AllocationsPanel';
import { AddFirewallForm, FirewallsTable } from './FirewallsPanel';
import { NatPanel } from './NatPanel';
import { OrphansPanel, useCmdbAttention } from './OrphansPanel';
import { AddPoolForm, PoolsTable } from './PoolsPanel';
import { TabbedPage, type TabSpec } from '../../ui/Tabs';
import { useContractQuery } from '../../data/use-contract-query';
import { useHashSubPath } from '../../navigation/use-hash-sub-path';

type Section = 'pools' | 'allocations' | 'firewalls' | 'nat' | 'orphans';
const sections: Section[] = ['pools', 'allocations', 'firewalls', 'nat', 'orphans'];
const isSection = (value: string | null): value is Section => sections.includes(value as Section);
const DESCRIPTION =
  'Address pools and who holds which address; the firewalls Outpost drives or instructs, and the 1:1 NAT rules on them, checked against what the firewall really has.';

export function NatIpamView() {
  const client = useClient();
  const sub = useHashSubPath('nat-ipam');
  const section: Section = isSection(sub) ? sub : 'pools';
  const select = (next: Section): void => {
    window.location.hash = hashForView('nat-ipam', next);
  };

  const pools = useContractQuery('Could not list address pools', (c) => c.invoke('ipam.pools.list', {}));
  const firewalls = useContractQuery('Could not list firewalls', (c) => c.invoke('firewalls.list', {}));
  const reloadPools = pools.reload;
  const attention = useCmdbAttention();
  const needs = attention.data ? attention.data.orphans.length + attention.data.drift.length : 0;

  // A NAT procedure that moves allocates or releases addresses and changes records: refetch
  // what it touches (no polling; the event says when).
  const [natGeneration, setNatGeneration] = useState(0);
  useEffect(
    () =>
      client.on('procedure.updated', (run) => {
        if (!run.kind.startsWith('nat.')) return;
        reloadPools();
        setNatGeneration((g) => g + 1);
      }),
    [client, reloadPools],
  );

  const poolRows = pools.data ?? [];
  const firewallRows = firewalls.data ?? [];
  const tabs: TabSpec<Section>[] = [
    { id: 'pools', label: `Pools${pools.data ? ` (${pools.data.length})` : ''}` },
    { id: 'allocations', label: 'Allocations' },
    { id: 'firewalls', label: `Firewalls${firewalls.data ? ` (${firewalls.data.length})` : ''}` },
    { id: 'nat', label: 'NAT' },
    { id: 'orphans', label: `Orphans & drift${needs ? ` (${needs})` : ''}` },
  ];

  return (
    <TabbedPage view="nat-ipam" description={DESCRIPTION} label="NAT and IPAM sections" tabs={tabs} selected={section} onSelect={select}>
      {section === 'pools' && (
        <ListWithForm
          rows={pools.data}
          loading={pools.loading}
          loadingText="Loading pools…"
          form={<AddPoolForm onAdded={reloadPools} />}
          empty={
            <EmptyState
              title="No address pools yet"
              purpose="Pools hold the public addresses NAT gives out and the private ranges your VMs use; every allocation is recorded with who holds it."
              firstStep={<p>Add a public pool with the form (for a first try, the documentation range 203.0.113.0/28). Then add a firewall, then a NAT.</p>}
            />
          }
        >
          {(rows) => <PoolsTable pools={rows} />}
        </ListWithForm>
      )}
      {section === 'allocations' && <AllocationsPanel pools={poolRows} refresh={natGeneration} />}
      {section === 'firewalls' && (
        <ListWithForm
          rows={firewalls.data}
          loading={firewalls.loading}
          loadingText="Loading firewalls…"
          form={<AddFirewallForm onAdded={firewalls.reload} />}
          empty={
            <EmptyState
              title="No firewalls yet"
              purpose="A firewall is where NAT rules live. Outpost drives Linux iptables or nftables itself, and for any other firewall writes the exact commands or a change request and waits for you to confirm."
              firstStep={<p>{poolRows.length === 0 ? 'Add a pool first (Pools tab), then a firewall here.' : 'Add a firewall with the form. Not sure? Choose Manual: nothing is changed without you.'}</p>}
            />
          }
        >
          {(rows) => <FirewallsTable firewalls={rows} />}
        </ListWithForm>
      )}
      {section === 'nat' && <NatPanel firewalls={firewallRows} pools={poolRows} refresh={natGeneration} onChanged={() => setNatGeneration((g) => g + 1)} />}
      {section === 'orphans' && <OrphansPanel attention={attention.data} onOffboarded={attention.reload} />}
    </TabbedPage>
  );
}
