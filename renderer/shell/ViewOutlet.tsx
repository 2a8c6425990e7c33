import { lazy, Suspense } from 'react';
import { useShell } from '../app/shell-context';
import { AuditLogView } from '../views/audit/AuditLogView';
import { EventsView } from '../views/events/EventsView';
import { CertificatesView } from '../views/certificates/CertificatesView';
import { ClientHelpersView } from '../views/client-helpers/ClientHelpersView';
import { HostUpgradesView } from '../views/host-upgrades/HostUpgradesView';
import { EnrollmentView } from '../views/enrollment/EnrollmentView';
import { InventoryView } from '../views/inventory/InventoryView';
import { NatIpamView } from '../views/nat-ipam/NatIpamView';
import { NetworkingView } from '../views/networking/NetworkingView';
import { ProceduresView } from '../views/procedures/ProceduresView';
import { SettingsView } from '../views/settings/SettingsView';

// xterm and its addons are most of the bundle: loaded when the Terminals page first opens.
const TerminalsView = lazy(() => import('../views/terminals/TerminalsView').then((m) => ({ default: m.TerminalsView })));

export function ViewOutlet() {
  const view = useShell((s) => s.view);
  switch (view) {
    case 'inventory':
      return <InventoryView />;
    case 'networking':
      return <NetworkingView />;
    case 'enrollment':
      return <EnrollmentView />;
    case 'nat-ipam':
      return <NatIpamView />;
    case 'certificates':
      return <CertificatesView />;
    case 'client-helpers':
      return <ClientHelpersView />;
    case 'procedures':
      return <ProceduresView />;
    case 'host-upgrades':
      return <HostUpgradesView />;
    case 'audit':
      return <AuditLogView />;
    case 'events':
      return <EventsView />;
    case 'settings':
      return <SettingsView />;
    case 'terminals':
      return (
        <Suspense fallback={<p className="muted">Loading terminals…</p>}>
          <TerminalsView />
        </Suspense>
      );
    default: {
      const unknown: never = view;
      return unknown;
    }
  }
}
