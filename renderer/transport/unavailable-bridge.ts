import { createConnectionCell, type ConnectedBridge } from './connection-state';

/**
 * Neither the Electron preload nor a host token is present (the page was opened by hand). Every
 * call fails with TRANSPORT and says how to open the console properly.
 */
export function createUnavailableBridge(): ConnectedBridge {
  return {
    kind: 'none',
    connection: createConnectionCell({ phase: 'no-token', transport: 'none' }),
    invoke: async () => ({
      ok: false,
      error: {
        code: 'TRANSPORT',
        message: 'No connection to an Outpost host: open the URL the host printed (it ends in #token=...).',
      },
    }),
    on: () => () => undefined,
    close: () => undefined,
  };
}
