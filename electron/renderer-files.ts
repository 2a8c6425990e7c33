import { extname, posix, resolve, sep } from 'node:path';
import { contentTypeFor } from '../core/host/content-types.js';
import { APP_HOST, APP_SCHEME } from './app-origin.js';

export { contentTypeFor };

export type RendererFileLookup =
  | { kind: 'file'; file: string; contentType: string; fallbackToIndex: boolean }
  | { kind: 'rejected'; status: 400 | 403 | 404; reason: string };

/**
 * Maps an app:// request URL to a file under `root` (the built renderer), without touching
 * the disk so it can be tested. Anything that would leave `root` (`..`, encoded separators,
 * another host) is refused. Paths without an extension are client-side routes: index.html.
 */
export function resolveRendererFile(root: string, requestUrl: string): RendererFileLookup {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return { kind: 'rejected', status: 400, reason: 'unparseable URL' };
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) {
    return { kind: 'rejected', status: 403, reason: 'not the app origin' };
  }
  let path: string;
  try {
    path = decodeURIComponent(url.pathname);
  } catch {
    return { kind: 'rejected', status: 400, reason: 'bad percent-encoding' };
  }
  // A decoded backslash or NUL would let a path escape or confuse the OS on Windows.
  if (path.includes('\\') || path.includes('\0')) return { kind: 'rejected', status: 400, reason: 'bad character in path' };
  // The URL parser has already collapsed literal dot segments; any left now came from
  // percent-encoding (%2e%2e, %2f) and are an attempt to climb out: refuse, don't clamp.
  if (path.split('/').some((segment) => segment === '..' || segment === '.')) {
    return { kind: 'rejected', status: 403, reason: 'path leaves the renderer folder' };
  }
  const normalised = posix.normalize(`/${path}`);

  const base = resolve(root);
  const relative = normalised === '/' ? 'index.html' : normalised.slice(1);
  const file = resolve(base, ...relative.split('/'));
  if (file !== base && !file.startsWith(base + sep)) {
    return { kind: 'rejected', status: 403, reason: 'path leaves the renderer folder' };
  }
  const fallbackToIndex = extname(relative) === '';
  const target = fallbackToIndex ? resolve(base, 'index.html') : file;
  return { kind: 'file', file: target, contentType: contentTypeFor(target), fallbackToIndex };
}
