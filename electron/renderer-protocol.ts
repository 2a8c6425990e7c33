import { protocol, type Session } from 'electron';
import { readFile } from 'node:fs/promises';
import { APP_SCHEME } from './app-origin.js';
import { rendererResponseHeaders } from './content-security-policy.js';
import { resolveRendererFile } from './renderer-files.js';

/**
 * Must run before `app` is ready. `standard` gives app://outpost a real origin (relative URLs,
 * 'self' in the CSP, localStorage); `secure` makes it a secure context like https. It does NOT
 * bypass CSP, and it gets no service workers. `corsEnabled` lets Chromium run module scripts
 * (Vite emits `<script type="module" crossorigin>`) from it; no response of ours carries an
 * Access-Control-Allow-Origin header, so no other origin can read it.
 */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true, codeCache: true } },
  ]);
}

function textResponse(status: number, message: string): Response {
  return new Response(message, { status, headers: rendererResponseHeaders('text/plain; charset=utf-8') });
}

/** Serves the built renderer (`root` = dist/renderer, possibly inside app.asar) on app://outpost/. */
export function serveRenderer(session: Session, root: string): void {
  session.protocol.handle(APP_SCHEME, async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return textResponse(405, 'Method not allowed');
    const lookup = resolveRendererFile(root, request.url);
    if (lookup.kind === 'rejected') return textResponse(lookup.status, lookup.reason);
    try {
      const body = await readFile(lookup.file);
      return new Response(request.method === 'HEAD' ? null : body, { status: 200, headers: rendererResponseHeaders(lookup.contentType) });
    } catch {
      return lookup.fallbackToIndex || lookup.file.endsWith('index.html')
        ? textResponse(503, 'The renderer is not built. Run `npm run build` first.')
        : textResponse(404, 'Not found');
    }
  });
}
