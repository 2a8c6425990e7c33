import type { VaultState } from '../../core/contract';
import type { ConnectionState } from '../transport/connection-state';

export type Tone = 'ok' | 'warn' | 'bad' | 'idle';

const transportName: Record<ConnectionState['transport'], string> = {
  electron: 'app',
  host: 'host',
  none: 'no transport',
};

/** What the status bar says about the transport, in words an operator can act on. */
export function describeConnection(state: ConnectionState): { text: string; tone: Tone; detail: string } {
  const via = transportName[state.transport];
  switch (state.phase) {
    case 'connected':
      return { text: `Connected (${via})`, tone: 'ok', detail: `Talking to the Outpost ${via}.` };
    case 'connecting':
      return { text: 'Connecting…', tone: 'idle', detail: `Opening the connection to the Outpost ${via}.` };
    case 'reconnecting':
      // The attempt count stays out of the text so screen readers are not re-told on every retry.
      return {
        text: 'Reconnecting…',
        tone: 'warn',
        detail: `The host is not answering${state.failures ? ` (${state.failures} failed attempt${state.failures === 1 ? '' : 's'})` : ''}. If it was restarted, open the new URL it printed: the token changes on every run.`,
      };
    case 'no-token':
      return { text: 'Not connected', tone: 'bad', detail: 'Open the URL the Outpost host printed; it ends in #token=….' };
    case 'incompatible':
      return { text: 'Host version mismatch', tone: 'bad', detail: 'The host and this console come from different builds. Rebuild both.' };
    case 'closed':
      return { text: 'Disconnected', tone: 'bad', detail: 'The connection was closed. Reload the page.' };
  }
}

export function describeVault(vault: VaultState): { text: string; tone: Tone } {
  if (vault.kind === 'os') return { text: 'Vault: OS keychain', tone: 'ok' };
  if (!vault.initialised) return { text: 'Vault: not set up', tone: 'idle' };
  return vault.unlocked ? { text: 'Vault: unlocked', tone: 'ok' } : { text: 'Vault: locked', tone: 'warn' };
}
