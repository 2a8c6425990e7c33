import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { contentTypeFor } from './content-types.js';

/**
 * Serves the built renderer. Paths are resolved inside `root` only; unknown paths without an
 * extension fall back to index.html (client-side routes), others are 404.
 */
export async function serveStatic(root: string, urlPath: string, res: ServerResponse, headers: Record<string, string>): Promise<void> {
  const base = resolve(root);
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath.split('?')[0] ?? '/');
  } catch {
    res.writeHead(400, headers).end('Bad path');
    return;
  }
  const candidate = resolve(join(base, normalize(decoded)));
  if (candidate !== base && !candidate.startsWith(base + sep)) {
    res.writeHead(403, headers).end('Forbidden');
    return;
  }
  let file = candidate;
  const info = await stat(file).catch(() => null);
  if (!info || info.isDirectory()) {
    if (extname(decoded) && !info) {
      res.writeHead(404, headers).end('Not found');
      return;
    }
    file = join(base, 'index.html');
  }
  const found = file === candidate ? info : await stat(file).catch(() => null);
  if (!found?.isFile()) {
    res
      .writeHead(503, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' })
      .end('The renderer is not built. Run `npm run build` first.');
    return;
  }
  const type = contentTypeFor(file);
  const cache = file.endsWith('index.html') ? 'no-store' : 'public, max-age=31536000, immutable';
  res.writeHead(200, { ...headers, 'Content-Type': type, 'Cache-Control': cache, 'Content-Length': String(found.size) });
  if (res.req.method === 'HEAD') {
    res.end();
    return;
  }
  // Streamed: a client that does not read holds one read buffer here, not the whole file.
  await pipeline(createReadStream(file), res).catch(() => res.destroy());
}
