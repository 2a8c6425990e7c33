import type { RawBridge } from '../../core/contract';
import type { TerminalStreams } from './terminal-streams';

/** Which side of the app the renderer talks to. */
export type TransportKind = 'electron' | 'host' | 'none';

export type ConnectionPhase =
  | 'connecting'
  | 'connected'
  | 'reconnecting'
  /** The page was opened without the host's per-run token. */
  | 'no-token'
  /** The host speaks another wire protocol version: reconnecting will not help. */
  | 'incompatible'
  | 'closed';

export interface ConnectionState {
  phase: ConnectionPhase;
  transport: TransportKind;
  /** When the next reconnect attempt starts (epoch ms), while reconnecting. */
  retryAt?: number;
  /** Consecutive failed attempts since the last good connection. */
  failures?: number;
}

/** A small observable cell: the bridge writes it, the shell store mirrors it. */
export interface ConnectionCell {
  get(): ConnectionState;
  subscribe(listener: (state: ConnectionState) => void): () => void;
}

export interface WritableConnectionCell extends ConnectionCell {
  set(state: ConnectionState): void;
}

/** A RawBridge plus what the shell needs to show and react to the transport's health. */
export interface ConnectedBridge extends RawBridge {
  readonly kind: TransportKind;
  readonly connection: ConnectionCell;
  /** Terminal byte streams (binary frames / MessagePort), when the transport carries them. */
  readonly terminals?: TerminalStreams;
  close(): void;
}

export function createConnectionCell(initial: ConnectionState): WritableConnectionCell {
  let value = initial;
  const listeners = new Set<(state: ConnectionState) => void>();
  return {
    get: () => value,
    set(next) {
      value = next;
      for (const listener of [...listeners]) listener(next);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}
