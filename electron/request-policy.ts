import { isAppUrl } from './app-origin.js';

/**
 * Offline first: the renderer session may load only our own files, inline data: images (the
 * CSP allows them) and DevTools' own pages. Everything else, including http(s) to anywhere
 * and file://, is cancelled before it leaves the process.
 */
export function isAllowedRendererRequest(url: string): boolean {
  if (isAppUrl(url)) return true;
  if (url.startsWith('data:')) return true;
  if (url.startsWith('devtools://')) return true;
  return false;
}
