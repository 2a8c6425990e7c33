import { createServer } from 'node:net';

/** A TCP port on 127.0.0.1 that was free when asked (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Starts a server on a free port. A free port is only free when it is asked for: another test
 * file's server can take it before this one binds, so a start that `refused` says failed to bind
 * is tried again on another port, up to `attempts` times.
 */
export async function startOnFreePort<T>(start: (port: number) => Promise<T>, refused: (err: unknown) => boolean, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(await freePort());
    } catch (err) {
      if (attempt >= attempts || !refused(err)) throw err;
    }
  }
}
