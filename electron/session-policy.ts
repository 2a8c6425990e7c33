import type { Session } from 'electron';
import { CONTENT_SECURITY_POLICY } from './content-security-policy.js';
import { isAllowedRendererRequest } from './request-policy.js';

/**
 * Locks down a renderer session: no permission is ever granted (camera, notifications,
 * USB, ...), nothing leaves the machine, and every response carries our CSP even if a
 * future code path serves something without it.
 */
export function lockDownSession(session: Session): void {
  session.setPermissionRequestHandler((_webContents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
  session.setDisplayMediaRequestHandler((_request, callback) => callback(null));

  session.webRequest.onBeforeRequest((details, callback) => {
    const allowed = isAllowedRendererRequest(details.url);
    if (!allowed) console.warn(`outpost: blocked a request to ${details.url} (the console works offline)`);
    callback({ cancel: !allowed });
  });

  session.webRequest.onHeadersReceived((details, callback) => {
    const upstream = details.responseHeaders ?? {};
    // Drop any other spelling of the header so ours is the only policy in force.
    const kept = Object.fromEntries(Object.entries(upstream).filter(([name]) => name.toLowerCase() !== 'content-security-policy'));
    const responseHeaders = { ...kept, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] };
    callback({ responseHeaders });
  });
}
