import { z } from 'zod';
import { contractErrorSchema } from './errors.js';

/**
 * The headless host's WebSocket framing (text frames, JSON). The socket is opened at
 * `/ws?token=TOKEN` on the host's own origin; the token is per run and reaches the page in
 * the URL fragment (`#token=...`), which browsers never send to a server.
 */
export const WIRE_PATH = '/ws';
export const WIRE_PROTOCOL_VERSION = 1;
/**
 * The largest message a client may send (the host closes the socket with 1009 past it). Every
 * contract input is sized to fit in it with its envelope; a client refuses a bigger call itself
 * with TOO_LARGE instead of sending it.
 */
export const MAX_CLIENT_MESSAGE_BYTES = 1024 * 1024;

export const clientMessageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('invoke'),
    id: z.number().int().nonnegative(),
    command: z.string().max(200),
    input: z.unknown(),
  }),
]);
export type ClientMessage = z.infer<typeof clientMessageSchema>;

export const resultSchema = z.union([
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), error: contractErrorSchema }),
]);

export const serverMessageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('hello'),
    protocol: z.number().int(),
    version: z.string(),
    /** Opens this socket's terminal output stream (core/contract/terminal-wire.ts); absent: output comes as binary messages. */
    terminalOutput: z.string().min(16).max(100).optional(),
  }),
  z.object({ type: z.literal('result'), id: z.number().int(), result: resultSchema }),
  z.object({ type: z.literal('event'), event: z.string(), payload: z.unknown() }),
]);
export type ServerMessage = z.infer<typeof serverMessageSchema>;
