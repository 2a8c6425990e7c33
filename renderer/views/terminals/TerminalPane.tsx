import { useEffect, useRef, useState, type KeyboardEvent as ReactKeyboardEvent } from 'react';
import { useStore } from 'zustand';
import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon } from '@xterm/addon-search';
import { WebLinksAddon } from '@xterm/addon-web-links';
import { WebglAddon } from '@xterm/addon-webgl';
import { webglVerdict } from './webgl-support';
import { FLOOD_RENDER_CAP, capRenderRate } from './render-cap';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { errorToast } from '../../app/error-toast';
import { useBridge, useClient, useShellStore } from '../../app/shell-context';
import { mirrorInlineStyles } from './csp-style-mirror';
import { registerWriter, routeInput } from './terminal-inputs';
import { isConsoleKey } from './terminal-keys';
import { terminalsStore } from './terminals-store';
import { FilesPane } from './files/FilesPane';

const theme = {
  background: '#101318',
  foreground: '#d8dee9',
  cursor: '#d8dee9',
  selectionBackground: '#3b4a66',
  black: '#1d2129',
  brightBlack: '#5c6370',
};

function monoFont(el: HTMLElement): string {
  return getComputedStyle(el).getPropertyValue('--font-mono').trim() || 'monospace';
}

/**
 * One terminal: xterm with fit, search, web links and WebGL (the DOM renderer when WebGL is not
 * available or its context is lost). Output arrives on the terminal stream and is acknowledged
 * from xterm's write callback, i.e. once drawn: that acknowledgement is the backpressure.
 */
export function TerminalPane({ id, active }: { id: number; active: boolean }) {
  const bridge = useBridge();
  const client = useClient();
  const shell = useShellStore();
  const info = useStore(terminalsStore, (s) => s.infos[id]);
  const fontSize = useStore(terminalsStore, (s) => s.fontSize);
  const screenReader = useStore(terminalsStore, (s) => s.screenReader);
  const focused = useStore(terminalsStore, (s) => s.focused === id);
  const broadcast = useStore(terminalsStore, (s) => s.broadcast);
  const inBroadcast = useStore(terminalsStore, (s) => s.broadcastTargets.includes(id));
  const hostRef = useRef<HTMLDivElement>(null);
  const termRef = useRef<{ term: Terminal; fit: FitAddon; search: SearchAddon; webgl: WebglAddon | null } | null>(null);
  const [renderer, setRenderer] = useState<'webgl' | 'dom'>('dom');
  const [searchOpen, setSearchOpen] = useState(false);
  const [query, setQuery] = useState('');
  const [busy, setBusy] = useState<'reconnect' | 'log' | null>(null);
  const [filesOpen, setFilesOpen] = useState(false);

  useEffect(() => {
    const el = hostRef.current;
    if (!el) return;
    const unmirror = mirrorInlineStyles(el);
    const term = new Terminal({ fontSize: terminalsStore.getState().fontSize, screenReaderMode: terminalsStore.getState().screenReader, fontFamily: monoFont(el), cursorBlink: true, scrollback: 10_000, theme, allowProposedApi: true });
    const fit = new FitAddon();
    const search = new SearchAddon();
    term.loadAddon(fit);
    term.loadAddon(search);
    // Links open only on Ctrl/Cmd+click, in the system browser (Electron hands window.open out).
    term.loadAddon(new WebLinksAddon((event, uri) => (event.ctrlKey || event.metaKey) && window.open(uri, '_blank', 'noopener,noreferrer')));
    term.open(el);
    const renderCap = capRenderRate(term);
    el.dataset.renderCap = Object.values(renderCap.capped).every(Boolean) ? 'on' : 'off';
    termRef.current = { term, fit, search, webgl: null };
    const zoom = terminalsStore.getState().zoom;

    term.attachCustomKeyEventHandler((event) => {
      if (event.type !== 'keydown') return true;
      const mod = event.ctrlKey || event.metaKey;
      if (!mod) return true;
      // The console's own keys (terminal-keys.ts): xterm ignores them, so they bubble to the
      // window listeners (palette, tab switching, leaving the terminal). Everything else, Ctrl+K
      // and single letters included, goes to the shell.
      if (isConsoleKey(event)) return false;
      if (event.shiftKey && event.code === 'KeyC') {
        const selection = term.getSelection();
        if (selection) void navigator.clipboard?.writeText(selection).catch(() => undefined);
        event.preventDefault();
        return false;
      }
      // The browser's own paste (plain text) reaches xterm's paste handler: no clipboard permission needed.
      if (event.shiftKey && event.code === 'KeyV') return false;
      if (event.shiftKey && event.code === 'KeyF') {
        event.preventDefault();
        setSearchOpen(true);
        return false;
      }
      if (!event.shiftKey && (event.key === '=' || event.key === '+')) {
        event.preventDefault();
        zoom(1);
        return false;
      }
      if (event.key === '-' && !event.shiftKey) {
        event.preventDefault();
        zoom(-1);
        return false;
      }
      if (event.key === '0' && !event.shiftKey) {
        event.preventDefault();
        zoom(0);
        return false;
      }
      return true;
    });

    // Bytes parsed, on the element for the e2e tests and bench/terminal: written when xterm has
    // caught up with what arrived, and at most every 200 ms while it has not (an attribute written
    // on every write would restyle the page on every frame of a flood).
    let received = 0;
    let drawn = 0;
    let published = -Infinity;
    const publish = (): void => {
      const t = performance.now();
      if (drawn < received && t - published < 200) return;
      published = t;
      el.dataset.drawn = String(drawn);
    };
    const streams = bridge.terminals;
    if (!streams) term.write('\x1b[31mThis connection carries no terminal stream.\x1b[0m\r\n');
    const channel = streams?.open(id, {
      data: (bytes) => {
        received += bytes.length;
        term.write(bytes, () => {
          drawn += bytes.length;
          publish();
          channel?.ack(bytes.length);
        });
      },
      closed: (r) => term.write(`\r\n\x1b[2m[session ended${r.exitCode !== null ? `, exit code ${r.exitCode}` : ''}${r.signal ? `, ${r.signal}` : ''}]\x1b[0m\r\n`),
      error: (message) => term.write(`\r\n\x1b[31m[outpost] ${message}\x1b[0m\r\n`),
    });
    const unregister = channel ? registerWriter(id, (data) => channel.write(data)) : () => undefined;
    const input = term.onData((data) => {
      const s = terminalsStore.getState();
      routeInput(id, data, { on: s.broadcast, targets: s.broadcastTargets });
    });
    // A screen reader announces how to get out of the terminal (the hint above the panes).
    term.textarea?.setAttribute('aria-describedby', 'terminals-keys');
    const onFocus = (): void => terminalsStore.getState().focus(id);
    term.textarea?.addEventListener('focus', onFocus);

    let resizeTimer: ReturnType<typeof setTimeout> | undefined;
    const resized = term.onResize(({ cols, rows }) => {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(() => {
        client.invoke('terminal.resize', { id, cols, rows }).then(
          (next) => terminalsStore.getState().upsert(next),
          () => undefined,
        );
      }, 120);
    });
    let frame = 0;
    const observer = new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => {
        if (el.clientWidth > 0 && el.clientHeight > 0) fit.fit();
      });
    });
    observer.observe(el);
    fit.fit();
    const current = terminalsStore.getState().infos[id];
    if (current && (current.cols !== term.cols || current.rows !== term.rows)) {
      client.invoke('terminal.resize', { id, cols: term.cols, rows: term.rows }).catch(() => undefined);
    }

    return () => {
      observer.disconnect();
      cancelAnimationFrame(frame);
      clearTimeout(resizeTimer);
      resized.dispose();
      input.dispose();
      term.textarea?.removeEventListener('focus', onFocus);
      unregister();
      channel?.close();
      renderCap.dispose();
      termRef.current?.webgl?.dispose();
      term.dispose();
      unmirror();
      termRef.current = null;
    };
  }, [bridge, client, id]);

  useEffect(() => {
    const t = termRef.current;
    if (!t) return;
    t.term.options.fontSize = fontSize;
    t.fit.fit();
  }, [fontSize]);

  useEffect(() => {
    if (termRef.current) termRef.current.term.options.screenReaderMode = screenReader;
  }, [screenReader]);

  useEffect(() => {
    if (active && focused) termRef.current?.term.focus();
  }, [active, focused]);

  // WebGL only on a real GPU (webgl-support.ts) and only while the pane is shown: a context (and its glyph atlas) per hidden tab costs GPU
  // memory, and a page gets at most 16 contexts. Hidden panes keep the DOM renderer, which draws
  // nothing while hidden; a lost context falls back to it as well.
  useEffect(() => {
    const t = termRef.current;
    if (!t) return;
    if (active && !t.webgl && webglVerdict().webgl) {
      try {
        const webgl = new WebglAddon();
        webgl.onContextLoss(() => {
          webgl.dispose();
          if (t.webgl === webgl) t.webgl = null;
          setRenderer('dom');
        });
        t.term.loadAddon(webgl);
        t.webgl = webgl;
        setRenderer('webgl');
      } catch {
        setRenderer('dom');
      }
    } else if (!active && t.webgl) {
      t.webgl.dispose();
      t.webgl = null;
      setRenderer('dom');
    }
    if (active) requestAnimationFrame(() => termRef.current?.fit.fit());
  }, [active]);

  const reconnect = (): void => {
    setBusy('reconnect');
    client.invoke('terminal.reconnect', { id }).then(
      (next) => {
        setBusy(null);
        terminalsStore.getState().upsert(next);
        termRef.current?.term.focus();
      },
      (err: unknown) => {
        setBusy(null);
        shell.getState().pushToast(errorToast(`Reconnect failed for ${info?.title ?? `terminal ${id}`}`, err));
      },
    );
  };

  const toggleLog = (): void => {
    setBusy('log');
    const enabled = !info?.logPath;
    client.invoke('terminal.log', { id, enabled }).then(
      (next) => {
        setBusy(null);
        terminalsStore.getState().upsert(next);
        if (next.logPath) shell.getState().pushToast({ tone: 'info', title: 'Session log on', message: `Writing ${next.logPath}` });
      },
      (err: unknown) => {
        setBusy(null);
        shell.getState().pushToast(errorToast('Session log', err));
      },
    );
  };

  const copy = (): void => {
    const selection = termRef.current?.term.getSelection();
    if (selection) void navigator.clipboard?.writeText(selection).catch(() => undefined);
    termRef.current?.term.focus();
  };

  const paste = (): void => {
    const t = termRef.current;
    if (!navigator.clipboard?.readText) return;
    navigator.clipboard.readText().then(
      (text) => {
        t?.term.paste(text);
        t?.term.focus();
      },
      () => shell.getState().pushToast({ tone: 'info', title: 'Paste', message: 'The clipboard cannot be read here; press Ctrl+Shift+V in the terminal instead.' }),
    );
  };

  const onSearchKey = (event: ReactKeyboardEvent<HTMLInputElement>): void => {
    const t = termRef.current;
    if (!t) return;
    if (event.key === 'Enter') {
      event.preventDefault();
      if (event.shiftKey) t.search.findPrevious(query);
      else t.search.findNext(query);
    } else if (event.key === 'Escape') {
      event.preventDefault();
      setSearchOpen(false);
      t.search.clearDecorations();
      t.term.focus();
    }
  };

  const state = info?.state ?? 'connecting';
  const title = info?.title ?? `terminal ${id}`;
  return (
    <section className={`terminal-pane${focused ? ' terminal-pane-focused' : ''}`} aria-label={`Terminal ${title}`} data-testid="terminal-pane" data-terminal-id={id}>
      <header className="terminal-pane-head">
        {broadcast && (
          <label className="terminal-broadcast-check small" title="Typed input goes to every checked terminal">
            <input type="checkbox" checked={inBroadcast} onChange={() => terminalsStore.getState().toggleBroadcastTarget(id)} /> broadcast
          </label>
        )}
        <span className="terminal-pane-title mono">{title}</span>
        <span className={`badge terminal-state terminal-state-${state}`} data-testid="terminal-state">
          {state}
          {info?.exit && info.exit.exitCode !== null ? ` (exit ${info.exit.exitCode})` : ''}
        </span>
        {info?.kind === 'winrm' && <span className="badge">PowerShell</span>}
        <span
          className="muted small"
          title={`${renderer === 'webgl' ? 'xterm renderer' : `xterm renderer (${webglVerdict().webgl ? 'WebGL unavailable in this pane' : webglVerdict().reason}: the DOM renderer is faster here)`}; while output floods it redraws at most ${FLOOD_RENDER_CAP.fps} times a second`}
        >
          {renderer === 'webgl' ? 'WebGL' : 'DOM'}
        </span>
        <span className="terminal-pane-actions">
          <button type="button" className="button button-small" onClick={copy} title="Copy the selection (Ctrl+Shift+C)">
            Copy
          </button>
          <button type="button" className="button button-small" onClick={paste} title="Paste (Ctrl+Shift+V)">
            Paste
          </button>
          <button type="button" className="button button-small" onClick={() => setSearchOpen((o) => !o)} title="Find (Ctrl+Shift+F)">
            Find
          </button>
          <button type="button" className={`button button-small${info?.logPath ? ' button-on' : ''}`} aria-pressed={!!info?.logPath} disabled={busy !== null || state !== 'open'} onClick={toggleLog} title={info?.logPath ?? 'Write this session to a log file'}>
            {info?.logPath ? 'Logging' : 'Log'}
          </button>
          {info?.kind === 'ssh' && (
            <button type="button" className={`button button-small${filesOpen ? ' button-on' : ''}`} aria-pressed={filesOpen} onClick={() => setFilesOpen((o) => !o)} title="Browse, upload and download files over SFTP on this connection">
              Files
            </button>
          )}
          <button type="button" className="button button-small" disabled={busy !== null} onClick={reconnect} title="A new connection and shell in this pane (host key checked again)">
            {busy === 'reconnect' ? 'Reconnecting…' : 'Reconnect'}
          </button>
        </span>
      </header>
      {searchOpen && (
        <div className="terminal-search" role="search">
          <input
            autoFocus
            aria-label="Find in terminal"
            placeholder="Find (Enter next, Shift+Enter previous, Esc close)"
            value={query}
            onChange={(event) => {
              setQuery(event.target.value);
              termRef.current?.search.findNext(event.target.value, { incremental: true });
            }}
            onKeyDown={onSearchKey}
          />
        </div>
      )}
      {info?.error && state === 'closed' && (
        <p className="terminal-error small" role="alert">
          <span className="badge badge-error">{info.error.code}</span> {info.error.message}
        </p>
      )}
      <div className="terminal-body">
        <div ref={hostRef} className="terminal-host" data-testid="terminal-host" data-renderer={renderer} onMouseDown={() => terminalsStore.getState().focus(id)} />
        {filesOpen && info?.kind === 'ssh' && <FilesPane terminal={id} client={client} onClose={() => setFilesOpen(false)} />}
      </div>
    </section>
  );
}
