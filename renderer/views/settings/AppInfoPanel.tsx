import { useShell } from '../../app/shell-context';

export function AppInfoPanel() {
  const info = useShell((s) => s.info);
  return (
    <section className="panel" aria-labelledby="app-info-heading">
      <h2 id="app-info-heading">About this console</h2>
      {info ? (
        <dl className="facts">
          <dt>Version</dt>
          <dd data-testid="app-version">{info.version}</dd>
          <dt>Connected through</dt>
          <dd>{info.transport}</dd>
          <dt>Data directory</dt>
          <dd className="mono">{info.dataDir}</dd>
          <dt>Database</dt>
          <dd className="mono">{info.dbPath}</dd>
          <dt>Schema version</dt>
          <dd>{info.schemaVersion}</dd>
          <dt>Platform</dt>
          <dd>{info.platform}</dd>
        </dl>
      ) : (
        <p className="muted">Waiting for the host…</p>
      )}
    </section>
  );
}
