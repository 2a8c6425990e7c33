import { useShell } from '../app/shell-context';
import type { ConnectionState } from '../transport/connection-state';
import { describeConnection } from './connection-label';

// Stable wording per phase: the alert is announced when it appears, not on every retry.
const bannerAdvice: Record<ConnectionState['phase'], string> = {
  connecting: '',
  connected: '',
  reconnecting: 'Views show what they last loaded. If the host was restarted, open the new URL it printed: the token changes on every run.',
  'no-token': 'Open the URL the Outpost host printed; it ends in #token=….',
  incompatible: 'The host and this console come from different builds. Rebuild both.',
  closed: 'The connection was closed. Reload the page.',
};

/** Said once, above the view, when the console cannot reach its host: every view depends on it. */
export function ConnectionBanner() {
  const connection = useShell((s) => s.connection);
  if (connection.phase === 'connected' || connection.phase === 'connecting') return null;
  const { text } = describeConnection(connection);
  return (
    <div className="banner banner-warn" role="alert">
      <strong>{text}</strong> {bannerAdvice[connection.phase]}
    </div>
  );
}
