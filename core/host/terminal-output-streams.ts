import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { lengthPrefixed } from '../contract/terminal-wire.js';

/**
 * At most this many output streams are open at once. A browser keeps at most six HTTP/1.1
 * connections per origin; each open stream holds one for the page's life, so past this cap pages
 * get their output as WebSocket messages and the rest stay free for loading pages and files.
 */
export const MAX_OUTPUT_STREAMS = 4;

export interface OfferedOutput {
  /** Given to the page in the hello message; claims the stream once. */
  id: string;
  /** Where the socket's terminal frames go: the WebSocket until the page opened its stream, the stream after. */
  send(frame: Uint8Array): void;
  /** Bytes written to the stream that Node still holds (the socket's budget counts them). */
  unsent(): number;
  close(): void;
}

interface Offer {
  claimed: ServerResponse | null;
  viaSocket: (frame: Uint8Array) => void;
  /** The stream broke after it carried output: the socket must go too, so the page reattaches from what it has. */
  dropSocket: () => void;
}

/**
 * The headless host's terminal output streams (core/contract/terminal-wire.ts): one long chunked
 * HTTP response per WebSocket, carrying its output, closed and error frames behind a length.
 * The id is the only key (random, single use, sent only on the token-checked socket), so a GET
 * that names no live offer, or comes from another site, gets nothing.
 */
export class TerminalOutputStreams {
  private readonly offers = new Map<string, Offer>();
  private open = 0;

  offer(viaSocket: (frame: Uint8Array) => void, dropSocket: () => void): OfferedOutput {
    const id = randomBytes(18).toString('base64url');
    const entry: Offer = { claimed: null, viaSocket, dropSocket };
    this.offers.set(id, entry);
    return {
      id,
      send: (frame) => {
        if (entry.claimed) {
          if (!entry.claimed.writableEnded) entry.claimed.write(lengthPrefixed(frame));
        } else {
          entry.viaSocket(frame);
        }
      },
      unsent: () => entry.claimed?.writableLength ?? 0,
      close: () => {
        this.offers.delete(id);
        if (entry.claimed && !entry.claimed.writableEnded) entry.claimed.end();
      },
    };
  }

  serve(req: IncomingMessage, res: ServerResponse): void {
    const plain = { 'Content-Type': 'text/plain', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' };
    if (req.method !== 'GET') {
      res.writeHead(405, { ...plain, Allow: 'GET' }).end();
      return;
    }
    // Browsers mark every fetch with where it came from; only this page's own may read a stream.
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin') {
      res.writeHead(403, plain).end('Forbidden');
      return;
    }
    const id = new URL(req.url ?? '/', 'http://127.0.0.1').searchParams.get('stream') ?? '';
    const entry = this.offers.get(id);
    if (!entry || entry.claimed) {
      res.writeHead(404, plain).end('No such terminal output stream');
      return;
    }
    if (this.open >= MAX_OUTPUT_STREAMS) {
      res.writeHead(503, plain).end('Too many terminal output streams; output comes over the WebSocket.');
      return;
    }
    this.open++;
    entry.claimed = res;
    res.socket?.setNoDelay(true);
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
    // Typed echo must not wait for a full chunk: the headers go now, every frame as it comes.
    res.flushHeaders();
    res.on('close', () => {
      this.open--;
      if (this.offers.get(id) === entry) {
        this.offers.delete(id);
        entry.dropSocket();
      }
    });
  }

  closeAll(): void {
    const entries = [...this.offers.values()];
    this.offers.clear();
    for (const entry of entries) if (entry.claimed && !entry.claimed.writableEnded) entry.claimed.end();
  }
}
