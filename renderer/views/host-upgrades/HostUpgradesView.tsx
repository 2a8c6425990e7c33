import { useEffect, useState } from 'react';
import type { UpgradePlanDetail } from '../../../core/contract';
import { useClient } from '../../app/shell-context';
import { hashForView } from '../../navigation/hash-route';
import { EmptyState } from '../../ui/EmptyState';
import { formatTime } from '../../ui/format-time';
import { TabbedPage, type TabSpec } from '../../ui/Tabs';
import { useContractQuery } from '../../data/use-contract-query';
import { useHashSubPath } from '../../navigation/use-hash-sub-path';
import { AnsibleInventoryPanel } from './AnsibleInventoryPanel';
import { HostBuildsTable } from './HostBuildsTable';
import { PlaybooksPanel } from './PlaybooksPanel';
import { PlanEditor } from './PlanEditor';
import { RolloutView } from './RolloutView';

type Section = 'rollouts' | 'new' | 'hosts' | 'playbooks' | 'ansible';
const DESCRIPTION =
  'Rolling ESXi upgrades, one host at a time: backup, maintenance mode, reinstall (PXE artefacts or a manual boot), configuration, a soak with health probes, then the next host. Every step is durable and audited.';

export function HostUpgradesView() {
  const client = useClient();
  const sub = useHashSubPath('host-upgrades');
  const section: Section = sub === 'new' || sub === 'hosts' || sub === 'playbooks' || sub === 'ansible' ? sub : 'rollouts';
  const selectedId = section === 'rollouts' && sub ? sub : null;
  const go = (next: string | null): void => {
    window.location.hash = hashForView('host-upgrades', next ?? undefined);
  };

  const [generation, setGeneration] = useState(0);
  const plans = useContractQuery('Could not list upgrade plans', (c) => c.invoke('upgrade.list', {}), String(generation));
  const hosts = useContractQuery('Could not list hosts and builds', (c) => c.invoke('upgrade.hosts', { behindOnly: false }), String(generation));
  const sites = useContractQuery('Could not list sites', (c) => c.invoke('sites.list', {}));
  const credentials = useContractQuery('Could not list credentials', (c) => c.invoke('credentials.list', {}));
  const shownId = selectedId ?? plans.data?.[0]?.id ?? null;
  const plan = useContractQuery<UpgradePlanDetail | null>('Could not read the upgrade plan', (c) => (shownId ? c.invoke('upgrade.status', { planId: shownId }) : Promise.resolve(null)), `${shownId}|${generation}`);

  // Plans, host runs and the inventory say when they moved: refetch then (no polling).
  useEffect(() => {
    const bump = (): void => setGeneration((g) => g + 1);
    const offs = [
      client.on('upgrade.updated', bump),
      client.on('procedure.updated', (run) => {
        if (run.kind === 'host.upgrade') bump();
      }),
      client.on('inventory.changed', bump),
    ];
    return () => offs.forEach((off) => off());
  }, [client]);

  const tabs: TabSpec<Section>[] = [
    { id: 'rollouts', label: `Rollouts${plans.data ? ` (${plans.data.length})` : ''}` },
    { id: 'new', label: 'New plan' },
    { id: 'hosts', label: `Hosts${hosts.data ? ` (${hosts.data.filter((h) => h.behind).length} behind)` : ''}` },
    { id: 'playbooks', label: 'Playbooks' },
    { id: 'ansible', label: 'Ansible inventory' },
  ];
  const siteNames = (sites.data ?? []).map((s) => s.name);
  const noInventory = hosts.data !== null && hosts.data.length === 0;

  return (
    <TabbedPage view="host-upgrades" description={DESCRIPTION} label="Host upgrade sections" tabs={tabs} selected={section} onSelect={(s) => go(s === 'rollouts' ? shownId : s)}>
      {section === 'rollouts' &&
        (plans.data && plans.data.length === 0 ? (
          <EmptyState
            title="No upgrade plans yet"
            purpose="A plan upgrades a cluster's hosts one at a time to a target build and stops at the first host that fails."
            firstStep={noInventory ? <p>Add a vCenter in Inventory and sync it, so its clusters and hosts are known.</p> : <p>Create a plan: choose the cluster and the target build, preview the order, save it, then start the rollout.</p>}
            action={
              <a className="button button-primary" href={hashForView('host-upgrades', 'new')}>
                New plan
              </a>
            }
          />
        ) : (
          <div className="rollout-layout">
            <nav className="panel" aria-label="Upgrade plans">
              <ul className="plan-list">
                {(plans.data ?? []).map((p) => (
                  <li key={p.id}>
                    <a href={hashForView('host-upgrades', p.id)} aria-current={p.id === shownId ? 'page' : undefined} data-testid={`plan-link-${p.id}`}>
                      <span className="mono">{p.targetBuild}</span> · {p.site}
                      {p.cluster ? `/${p.cluster}` : ''} <span className={`badge badge-${p.state === 'paused' || p.state === 'draft' ? 'waiting' : p.state === 'aborted' ? 'cancelled' : p.state}`}>{p.state}</span>
                      <span className="muted small">
                        {' '}
                        {p.hostsDone}/{p.hostsTotal} · {formatTime(p.createdAt)}
                      </span>
                    </a>
                  </li>
                ))}
              </ul>
            </nav>
            <div>{plan.data && <RolloutView plan={plan.data} onChanged={() => setGeneration((g) => g + 1)} />}</div>
          </div>
        ))}
      {section === 'new' &&
        (siteNames.length === 0 && sites.data ? (
          <EmptyState title="No vCenter yet" purpose="Plans are made from a site's synced inventory: its clusters, hosts and their builds." firstStep={<p>Add a vCenter in Inventory and sync it.</p>} />
        ) : (
          <PlanEditor
            key={siteNames.join('|')}
            sites={siteNames}
            hosts={hosts.data ?? []}
            credentials={(credentials.data ?? []).map((c) => c.name)}
            onCreated={(created) => {
              setGeneration((g) => g + 1);
              go(created.id);
            }}
          />
        ))}
      {section === 'hosts' &&
        (noInventory ? (
          <EmptyState title="No hosts yet" purpose="Each host's build next to the build its upgrade plan wants; hosts behind target are highlighted." firstStep={<p>Add a vCenter in Inventory and sync it.</p>} />
        ) : (
          <HostBuildsTable hosts={hosts.data ?? []} />
        ))}
      {section === 'playbooks' && <PlaybooksPanel />}
      {section === 'ansible' && <AnsibleInventoryPanel sites={siteNames} />}
    </TabbedPage>
  );
}
