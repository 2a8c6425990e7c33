import type { RawBridge } from '../../core/contract';
import { createConnectionCell, type ConnectedBridge } from './connection-state';
import type { TerminalStreams } from './terminal-streams';

/** The preload's bridge is untrusted shape-wise until checked: it arrives through `window`. */
export function isRawBridge(value: unknown): value is RawBridge {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<Record<keyof RawBridge, unknown>>;
  return typeof candidate.invoke === 'function' && typeof candidate.on === 'function';
}

/**
 * The Electron preload's `window.outpost`. IPC to the main process does not drop like a
 * socket, so the connection is simply up; a rejected IPC call still becomes a TRANSPORT result.
 */
export function createElectronBridge(preload: RawBridge, terminals?: TerminalStreams): ConnectedBridge {
  return {
    kind: 'electron',
    ...(terminals ? { terminals } : {}),
    connection: createConnectionCell({ phase: 'connected', transport: 'electron' }),
    async invoke(command, input) {
      try {
        return await preload.invoke(command, input);
      } catch (err) {
        const detail = err instanceof Error ? err.message : String(err);
        return { ok: false, error: { code: 'TRANSPORT', message: `The main process did not answer ${command}: ${detail}` } };
      }
    },
    on: (event, listener) => preload.on(event, listener),
    close() {
      // The main process owns the IPC channel's lifetime.
    },
  };
}
