import { useShell } from '../app/shell-context';
import { AuditLogView } from '../views/AuditLogView';
import { CertificatesView } from '../views/CertificatesView';
import { ClientHelpersView } from '../views/ClientHelpersView';
import { EnrollmentView } from '../views/enrollment/EnrollmentView';
import { InventoryView } from '../views/InventoryView';
import { NatIpamView } from '../views/NatIpamView';
import { PlannedViewPage } from '../views/PlannedViewPage';
import { plannedViews } from '../views/planned-views';
import { ProceduresView } from '../views/ProceduresView';
import { SettingsView } from '../views/SettingsView';

export function ViewOutlet() {
  const view = useShell((s) => s.view);
  switch (view) {
    case 'inventory':
      return <InventoryView />;
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
    case 'audit':
      return <AuditLogView />;
    case 'settings':
      return <SettingsView />;
    default: {
      const planned = plannedViews[view];
      return planned ? <PlannedViewPage key={view} view={planned} /> : null;
    }
  }
}
