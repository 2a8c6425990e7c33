import { hashForView } from '../../navigation/hash-route';
import { HostsPanel } from './HostsPanel';
import { NodeHostsPanel } from './NodeHostsPanel';
import { PreflightPanel } from './PreflightPanel';
import { TranslationPanel } from './TranslationPanel';
import { TabbedPage, type TabSpec } from '../../ui/Tabs';
import { useHashSubPath } from '../../navigation/use-hash-sub-path';

type Section = 'translation' | 'hosts' | 'node-hosts' | 'preflight';
const tabs: TabSpec<Section>[] = [
  { id: 'translation', label: 'Translation' },
  { id: 'hosts', label: 'Hosts entries' },
  { id: 'node-hosts', label: 'Push to a node' },
  { id: 'preflight', label: 'Preflight' },
];
const isSection = (value: string | null): value is Section => tabs.some((t) => t.id === value);
const DESCRIPTION =
  'For this workstation: reach services that advertise private management addresses through a public IP, name them in /etc/hosts, and check the ports you need are open.';

/** Seed 004's workstation chores: reach private management addresses, name them, check the ports. */
export function ClientHelpersView() {
  const sub = useHashSubPath('client-helpers');
  const section: Section = isSection(sub) ? sub : 'translation';
  const select = (next: Section): void => {
    window.location.hash = hashForView('client-helpers', next);
  };
  return (
    <TabbedPage view="client-helpers" description={DESCRIPTION} label="Client helper sections" tabs={tabs} selected={section} onSelect={select}>
      {section === 'translation' && <TranslationPanel />}
      {section === 'hosts' && <HostsPanel />}
      {section === 'node-hosts' && <NodeHostsPanel />}
      {section === 'preflight' && <PreflightPanel />}
    </TabbedPage>
  );
}
