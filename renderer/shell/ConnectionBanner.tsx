import { useShell } from '../app/shell-context';
import { describeConnection } from './connection-label';

/** Said once, above the view, when the console cannot reach its host: every view depends on it. */
export function ConnectionBanner() {
  const connection = useShell((s) => s.connection);
  if (connection.phase === 'connected' || connection.phase === 'connecting') return null;
  const { text, detail } = describeConnection(connection);
  return (
    <div className="banner banner-warn" role="alert">
      <strong>{text}.</strong> {detail}
    </div>
  );
}
