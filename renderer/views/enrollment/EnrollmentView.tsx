import { useEffect, useMemo } from 'react';
import { useClient } from '../../app/shell-context';
import { hashForView } from '../../navigation/hash-route';
import { EmptyState } from '../../ui/EmptyState';
import { TabbedPage, type TabSpec } from '../../ui/Tabs';
import { useContractQuery } from '../../data/use-contract-query';
import { useCredentials } from '../../data/use-credentials';
import { useHashSubPath } from '../../navigation/use-hash-sub-path';
import { CmdbPanel } from './CmdbPanel';
import { enrolledBySite } from './cmdb-filter';
import { useEnrollmentSession } from './enrollment-session';
import { EnrollWizard } from './EnrollWizard';

type Section = 'enroll' | 'cmdb';
const DESCRIPTION =
  'Bring VMs under management: check them through VMware Tools and their OS, give each a public address and NAT, set up a service account; and take them out again. The CMDB records who did what.';
/** The contract's ceiling for one cmdb.list: enough to mark "already enrolled" in the picker. */
const ENROLLED_LIMIT = 10_000;

/**
 * Enrollment (#/enrollment): the wizard that brings VMs under management, and the CMDB
 * (#/enrollment/cmdb) of what is enrolled, where offboarding starts. Both keep their state while
 * the operator switches tabs or visits another page (a run's procedure, say).
 */
export function EnrollmentView() {
  const client = useClient();
  const sub = useHashSubPath('enrollment');
  const section: Section = sub === 'cmdb' ? 'cmdb' : 'enroll';
  const select = (next: Section): void => {
    window.location.hash = hashForView('enrollment', next === 'enroll' ? undefined : next);
  };

  const sites = useContractQuery('Could not list vCenters', (c) => c.invoke('sites.list', {}));
  const credentials = useCredentials();
  const firewalls = useContractQuery('Could not list firewalls', (c) => c.invoke('firewalls.list', {}));
  const pools = useContractQuery('Could not list address pools', (c) => c.invoke('ipam.pools.list', {}));
  const rules = useContractQuery('Could not read the enrollment rules', (c) => c.invoke('enrollment.rules', {}));
  const active = useContractQuery('Could not read the CMDB', (c) => c.invoke('cmdb.list', { status: 'active', limit: ENROLLED_LIMIT }));
  const reloadActive = active.reload;
  const reloadPools = pools.reload;
  useEffect(() => client.on('cmdb.changed', () => reloadActive()), [client, reloadActive]);
  // Enrollment and offboarding allocate and release public addresses: the pool choices show it.
  useEffect(
    () =>
      client.on('procedure.updated', (run) => {
        if (run.kind === 'enroll-vm' || run.kind === 'offboard-vm') reloadPools();
      }),
    [client, reloadPools],
  );
  const enrolled = useMemo(() => enrolledBySite(active.data ?? []), [active.data]);

  const { wizard, dispatch, offboardBatch, setOffboardBatch } = useEnrollmentSession();

  // The first vCenter is the natural start; the operator can pick another.
  const firstSite = sites.data?.[0]?.name;
  useEffect(() => {
    if (firstSite && !wizard.draft.site) dispatch({ type: 'site', site: firstSite });
  }, [firstSite, wizard.draft.site, dispatch]);

  const siteRows = sites.data;
  const tabs: TabSpec<Section>[] = [
    { id: 'enroll', label: 'Enroll' },
    { id: 'cmdb', label: `CMDB${active.data ? ` (${active.data.length})` : ''}` },
  ];

  return (
    <TabbedPage view="enrollment" description={DESCRIPTION} label="Enrollment sections" tabs={tabs} selected={section} onSelect={select}>
      {section === 'enroll' && siteRows && siteRows.length === 0 && (
        <EmptyState
          title="No vCenters yet"
          purpose="Enrollment picks VMs from the inventory, checks each one (power, VMware Tools, guest login, OS version, disk, services), then runs one durable procedure per VM."
          firstStep={<p>Add a vCenter in Inventory and sync it, so there are VMs to enroll. Then add a public pool and a firewall in NAT &amp; IPAM.</p>}
          action={
            <a className="button button-primary" href={hashForView('inventory', 'sites')}>
              Add a vCenter
            </a>
          }
        />
      )}
      {section === 'enroll' && siteRows && siteRows.length > 0 && (
        <EnrollWizard
          state={wizard}
          dispatch={dispatch}
          sites={siteRows}
          credentials={credentials.data}
          firewalls={firewalls.data}
          pools={pools.data}
          rules={rules.data}
          enrolled={enrolled}
        />
      )}
      {section === 'enroll' && !siteRows && (sites.loading ? <p className="muted">Loading vCenters…</p> : <p className="muted">vCenters could not be read.</p>)}
      {section === 'cmdb' && <CmdbPanel sites={siteRows ?? []} firewalls={firewalls.data} offboardBatch={offboardBatch} onOffboarded={setOffboardBatch} />}
    </TabbedPage>
  );
}
