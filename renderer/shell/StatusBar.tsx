import type { TeamState } from '../../core/contract';
import { useShell } from '../app/shell-context';
import { describeConnection, describeVault, type Tone } from './connection-label';

function Dot({ tone }: { tone: Tone }) {
  return <span className={`status-dot status-dot-${tone}`} aria-hidden="true" />;
}

/** The store this console uses: its own SQLite file, or the team database (reachable or not, who else is on it). */
function teamLabel(team: TeamState): string {
  if (team.engine === 'sqlite') return 'Local store';
  if (!team.connected) return 'Team database OFFLINE (read-only)';
  return team.others.length ? `Team: ${team.others.length} other${team.others.length === 1 ? '' : 's'} online (${team.others.join(', ')})` : 'Team: connected, nobody else online';
}

export function StatusBar() {
  const connection = useShell((s) => s.connection);
  const status = useShell((s) => s.status);
  const info = useShell((s) => s.info);
  const operator = useShell((s) => s.settings?.operatorName);
  const link = describeConnection(connection);
  const vault = status ? describeVault(status.vault) : null;
  const tasksOpen = useShell((s) => s.tasksOpen);
  const setTasksOpen = useShell((s) => s.setTasksOpen);
  const running = status?.tasks.running ?? 0;
  const waiting = status?.tasks.waiting ?? 0;

  return (
    <footer className="statusbar" aria-label="Status">
      <span className="status-item" role="status" title={link.detail} data-testid="status-connection">
        <Dot tone={link.tone} />
        {link.text}
      </span>
      <span className="status-item" data-testid="status-sites">
        <Dot tone={status && status.sitesTotal > 0 && status.sitesConnected === status.sitesTotal ? 'ok' : 'idle'} />
        {status ? `Sites ${status.sitesConnected} of ${status.sitesTotal} connected` : 'Sites –'}
      </span>
      <button
        type="button"
        className={`status-item status-button${waiting > 0 ? ' status-attention' : ''}`}
        data-testid="status-tasks"
        aria-expanded={tasksOpen}
        aria-controls="recent-tasks"
        title="Recent tasks: syncs, power changes, fan-outs and procedure runs"
        onClick={() => setTasksOpen(!tasksOpen)}
      >
        <Dot tone={waiting > 0 ? 'bad' : running > 0 ? 'warn' : 'idle'} />
        {status ? `${running} running` : 'Tasks –'}
        {status && waiting > 0 && <strong>{`, ${waiting} waiting for approval`}</strong>}
      </button>
      {status && (
        <span
          className="status-item"
          data-testid="status-team"
          title={status.team.engine === 'postgres' ? `${status.team.database}${status.team.error ? ` - ${status.team.error}` : ''}` : status.team.database}
        >
          <Dot tone={status.team.connected ? (status.team.engine === 'postgres' ? 'ok' : 'idle') : 'bad'} />
          {teamLabel(status.team)}
        </span>
      )}
      <span className="status-item" data-testid="status-vault">
        <Dot tone={vault?.tone ?? 'idle'} />
        {vault?.text ?? 'Vault –'}
      </span>
      <span className="status-spacer" />
      <span className="status-item status-muted">{operator ? `Operator: ${operator}` : 'Operator not named (Settings)'}</span>
      {info && <span className="status-item status-muted">Outpost {info.version}</span>}
    </footer>
  );
}
