/**
 * Headers every app:// response carries. The Content-Security-Policy is offline first: no
 * remote origin anywhere, no inline script, no eval. 'self' is app://outpost (app-origin.ts),
 * which serves only the built renderer, read-only. `style-src 'self'` means the renderer ships
 * CSS files, not inline <style>; `img-src data:` allows small inlined icons.
 */
export function rendererResponseHeaders(contentType: string): Record<string, string> {
  const headers: Record<string, string> = {
    'Content-Type': contentType,
    'X-Content-Type-Options': 'nosniff',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
  };
  // The one place the policy is written. A single string literal in an assignment is the form
  // Electronegativity's CSP check reads and grades (scripts/electronegativity.mjs).
  headers['Content-Security-Policy'] = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; object-src 'none'";
  return headers;
}

export const CONTENT_SECURITY_POLICY: string = rendererResponseHeaders('text/html; charset=utf-8')['Content-Security-Policy'] ?? '';
