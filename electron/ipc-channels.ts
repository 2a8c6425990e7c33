/** The only two IPC channels between the preload and main: one request, one event stream. */
export const INVOKE_CHANNEL = 'outpost:invoke';
export const EVENT_CHANNEL = 'outpost:event';

/** Longer command names are not in the contract; refusing early keeps junk out of logs. */
export const MAX_COMMAND_NAME_LENGTH = 200;

/** main → preload only: the MessagePort that carries terminal bytes (core/contract/terminal-wire.ts), sent on every page load. */
export const TERMINAL_PORT_CHANNEL = 'outpost:terminal-port';
