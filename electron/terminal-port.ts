import { MessageChannelMain, type WebContents } from 'electron';
import type { TerminalService } from '../core/terminal/terminal-service.js';
import { TerminalStreamConnection } from '../core/terminal/terminal-stream-connection.js';
import { TERMINAL_PORT_CHANNEL } from './ipc-channels.js';

/**
 * Terminal bytes for one window: a MessagePort per page load, its frames handed to the core's
 * TerminalStreamConnection (which holds every rule, including ack backpressure). A reload gets a
 * new port; the old connection detaches (its terminals run on and replay their recent output to the new page).
 */
export function attachTerminalPort(contents: WebContents, terminals: TerminalService): void {
  let current: { connection: TerminalStreamConnection; close(): void } | null = null;
  const connect = (): void => {
    current?.close();
    const { port1, port2 } = new MessageChannelMain();
    const connection = new TerminalStreamConnection(terminals, (frame) => port1.postMessage(frame));
    port1.on('message', (event) => {
      const data: unknown = event.data;
      if (data instanceof Uint8Array) connection.receive(data);
    });
    port1.start();
    current = {
      connection,
      close: () => {
        connection.close();
        port1.close();
      },
    };
    contents.postMessage(TERMINAL_PORT_CHANNEL, null, [port2]);
  };
  contents.on('did-finish-load', connect);
  contents.once('destroyed', () => current?.close());
}
