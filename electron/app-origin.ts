/**
 * Where the renderer lives inside the app. A privileged custom scheme instead of file://
 * gives the page a real, fixed origin (so the CSP's 'self' means only our files and the IPC
 * registrar can check who is calling) without opening a loopback port.
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'outpost';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/**
 * True when `url` is a page or file of ours. Compared by scheme and host, not by
 * `new URL().origin`: WHATWG URL gives the opaque origin "null" for schemes it does not know.
 */
export function isAppUrl(url: string | undefined | null): boolean {
  if (!url) return false;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST && parsed.username === '' && parsed.password === '';
}
