import type { ServerResponse } from 'node:http';
import type { ConsoleSlot } from '../vm-access/console-slots.js';

/**
 * The console window of the host build. Its page is served once per `vm.console.open`: the ticket
 * URL is written into the page (never into a log, the store, or a URL), and the page's CSP lets
 * it connect to exactly that ticket's origin and nowhere else.
 */
export const CONSOLE_SCRIPT_PATH = '/console/console.js';
export const CONSOLE_STYLE_PATH = '/console/console.css';

export function consoleCsp(origin: string): string {
  return [
    "default-src 'none'",
    `script-src 'self'`,
    `style-src 'self'`,
    `connect-src ${origin}`,
    "img-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

export function consoleHtml(slot: ConsoleSlot): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="outpost-console-url" content="${escapeHtml(slot.url)}">
<title>Console: ${escapeHtml(slot.vm)}</title>
<link rel="stylesheet" href="${CONSOLE_STYLE_PATH}">
<script type="module" src="${CONSOLE_SCRIPT_PATH}"></script>
</head>
<body>
<header><h1>Console: ${escapeHtml(slot.vm)}</h1><button type="button" id="disconnect" disabled>Disconnect</button></header>
<p id="status" role="status" data-state="connecting">Connecting to ${escapeHtml(slot.origin)}…</p>
<p class="note">The ticket is used once; to reconnect, open the console again from the VM's details.</p>
<ol id="log" aria-label="Connection log"></ol>
</body>
</html>`;
}

/** The console client: takes the ticket URL out of the page, connects, reports what happens. */
export const CONSOLE_SCRIPT = `
const meta = document.querySelector('meta[name="outpost-console-url"]');
const url = meta ? meta.content : '';
if (meta) meta.remove();
const status = document.getElementById('status');
const log = document.getElementById('log');
const button = document.getElementById('disconnect');
const origin = url ? new URL(url).host : '';
const say = (state, text) => { status.dataset.state = state; status.textContent = text; };
const note = (text) => { const li = document.createElement('li'); li.textContent = new Date().toLocaleTimeString() + '  ' + text; log.append(li); };
if (!url) {
  say('failed', 'This console has no ticket. Open it again from the VM details.');
} else {
  let ws;
  try {
    ws = new WebSocket(url, ['binary']);
  } catch (err) {
    say('failed', 'Could not connect: ' + err.message);
  }
  if (ws) {
    ws.binaryType = 'arraybuffer';
    let greeted = false;
    ws.addEventListener('open', () => { say('connected', 'Connected to ' + origin + '.'); note('WebSocket open'); button.disabled = false; });
    ws.addEventListener('message', (event) => {
      if (greeted) return;
      greeted = true;
      const bytes = typeof event.data === 'string' ? event.data : new TextDecoder().decode(new Uint8Array(event.data).slice(0, 12));
      const m = /^RFB (\\d{3})\\.(\\d{3})/.exec(bytes);
      if (m) {
        note('Console protocol RFB ' + Number(m[1]) + '.' + Number(m[2]));
        say('connected', 'Connected to ' + origin + ' (RFB ' + Number(m[1]) + '.' + Number(m[2]) + '). Drawing the screen needs VMware\\'s WebMKS SDK; for full keyboard and screen use VMware Remote Console.');
      } else {
        note('First message: ' + bytes.length + ' bytes');
      }
    });
    ws.addEventListener('error', () => note('WebSocket error (certificate not trusted by this browser, or the host is unreachable)'));
    ws.addEventListener('close', (event) => { button.disabled = true; say(status.dataset.state === 'connected' ? 'closed' : 'failed', (status.dataset.state === 'connected' ? 'Disconnected' : 'Could not connect to ' + origin) + ' (code ' + event.code + ').'); });
    button.addEventListener('click', () => ws.close(1000));
  }
}
`;

export const CONSOLE_STYLE = `
body { font: 14px system-ui, sans-serif; margin: 0; background: #111418; color: #e6e9ee; }
header { display: flex; align-items: center; justify-content: space-between; padding: 10px 16px; border-bottom: 1px solid #2a2f37; }
h1 { font-size: 16px; margin: 0; }
button { font: inherit; padding: 4px 12px; border-radius: 4px; border: 1px solid #3a414c; background: #1d222a; color: inherit; }
#status { padding: 12px 16px; margin: 0; }
#status[data-state="failed"] { color: #ff8a80; }
#status[data-state="connected"] { color: #8fe3a1; }
.note { padding: 0 16px; color: #9aa4b2; }
#log { font: 12px ui-monospace, monospace; color: #9aa4b2; }
`;

const noStore = { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer', 'X-Frame-Options': 'DENY' };

/** Answers /console/...: the script, the style, or a console page (once per slot). */
export function serveConsole(path: string, claim: (id: string) => ConsoleSlot | null, res: ServerResponse, appCsp: string): void {
  if (path === CONSOLE_SCRIPT_PATH) {
    res.writeHead(200, { ...noStore, 'Content-Security-Policy': appCsp, 'Content-Type': 'text/javascript; charset=utf-8' }).end(CONSOLE_SCRIPT);
    return;
  }
  if (path === CONSOLE_STYLE_PATH) {
    res.writeHead(200, { ...noStore, 'Content-Security-Policy': appCsp, 'Content-Type': 'text/css; charset=utf-8' }).end(CONSOLE_STYLE);
    return;
  }
  const id = path.slice('/console/'.length);
  const slot = /^[A-Za-z0-9_-]{16,64}$/.test(id) ? claim(id) : null;
  if (!slot) {
    res
      .writeHead(404, { ...noStore, 'Content-Security-Policy': appCsp, 'Content-Type': 'text/plain; charset=utf-8' })
      .end('This console was opened already or has expired. Open the console again from the VM details.');
    return;
  }
  res.writeHead(200, { ...noStore, 'Content-Security-Policy': consoleCsp(slot.origin), 'Content-Type': 'text/html; charset=utf-8' }).end(consoleHtml(slot));
}
