import type { CommandInput, CommandName, CommandOutput } from './commands.js';
import type { Result } from './errors.js';
import { OutpostError } from './errors.js';
import type { EventName, EventPayload } from './events.js';

/**
 * What a transport offers the renderer: the Electron preload bridge (`window.outpost`)
 * and the headless host's WebSocket client both implement exactly this, untyped at runtime.
 */
export interface RawBridge {
  invoke(command: string, input: unknown): Promise<Result<unknown>>;
  on(event: string, listener: (payload: unknown) => void): () => void;
}

/** The typed view of a bridge the renderer and tests use; types come from the contract. */
export interface OutpostClient {
  invoke<N extends CommandName>(command: N, input: CommandInput<N>): Promise<CommandOutput<N>>;
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
}

/** Wraps a raw bridge: results become values, failures become OutpostError with the code. */
export function createClient(bridge: RawBridge): OutpostClient {
  return {
    async invoke(command, input) {
      const result = await bridge.invoke(command, input);
      if (result.ok) return result.value as CommandOutput<typeof command>;
      throw new OutpostError(result.error.code, result.error.message, result.error.details);
    },
    on(event, listener) {
      return bridge.on(event, (payload) => listener(payload as EventPayload<typeof event>));
    },
  };
}
