import { useEffect, useState, type KeyboardEvent } from 'react';
import { hashWithParams, paramsFromHash, viewFromHash } from '../../navigation/hash-route';
import { layoutFromParams, layoutToParams } from './terminal-layout';
import { useStore } from 'zustand';
import { errorToast } from '../../app/error-toast';
import { useClient, useShell, useShellStore } from '../../app/shell-context';
import { EmptyState } from '../../ui/EmptyState';
import { ViewHeader } from '../../ui/ViewHeader';
import { useConfirmDestructive } from '../../ui/ConfirmDialog';
import { FanoutSection, FanoutToggle } from '../fanout/FanoutSection';
import { OpenTerminalDialog } from './OpenTerminalDialog';
import { RecordingsSection } from './recordings/RecordingsSection';
import { TerminalPane } from './TerminalPane';
import { consoleKey, LEAVE_TERMINAL_KEY } from './terminal-keys';
import { terminalsStore, type TerminalTab } from './terminals-store';
import './terminals.css';

/**
 * Terminals: tabs of SSH shells and PowerShell consoles, split panes, broadcast input. Tabs and
 * their layout live in a small store (metadata only); the sessions live in core and keep running
 * while the operator looks at another page.
 */
export function TerminalsView() {
  const client = useClient();
  const shell = useShellStore();
  const connected = useShell((s) => s.connection.phase === 'connected');
  const tabs = useStore(terminalsStore, (s) => s.tabs);
  const activeTab = useStore(terminalsStore, (s) => s.activeTab);
  const infos = useStore(terminalsStore, (s) => s.infos);
  const broadcast = useStore(terminalsStore, (s) => s.broadcast);
  const broadcastTargets = useStore(terminalsStore, (s) => s.broadcastTargets);
  const openRequest = useStore(terminalsStore, (s) => s.openRequest);
  const fontSize = useStore(terminalsStore, (s) => s.fontSize);
  const screenReader = useStore(terminalsStore, (s) => s.screenReader);
  const { confirm, dialog } = useConfirmDestructive();
  /** Terminals the address names that the host no longer has (it was restarted): the operator opens them again. */
  const [gone, setGone] = useState(0);
  const [showRecordings, setShowRecordings] = useState(false);

  // The layout follows into the address (replace: moving panes is not a step to go Back to).
  useEffect(() => {
    const write = (s: { tabs: TerminalTab[]; activeTab: number | null }): void => {
      if (viewFromHash(window.location.hash) !== 'terminals') return;
      const params = paramsFromHash(window.location.hash);
      const { layout, tab } = layoutToParams(s.tabs, s.activeTab);
      for (const [k, v] of [['layout', layout], ['tab', tab]] as const) {
        if (v) params.set(k, v);
        else params.delete(k);
      }
      const next = hashWithParams(window.location.hash, params);
      if (next !== window.location.hash) window.history.replaceState(window.history.state, '', next);
    };
    // Back on this page with terminals already open: the address shows them. (An empty store waits for the restore below.)
    if (terminalsStore.getState().tabs.length > 0) write(terminalsStore.getState());
    return terminalsStore.subscribe((s, prev) => {
      if (s.tabs !== prev.tabs || s.activeTab !== prev.activeTab) write(s);
    });
  }, []);

  // Terminals opened before a reload (or from another window) come back as tabs.
  useEffect(() => {
    if (!connected) return;
    let live = true;
    client.invoke('terminal.list', {}).then(
      (list) => {
        if (!live) return;
        const s = terminalsStore.getState();
        for (const info of list) s.upsert(info);
        // The layout in the address first (tabs, splits, active tab, closed panes with their Reconnect), then any other open terminal.
        const layout = layoutFromParams(paramsFromHash(window.location.hash));
        const known = new Set(list.map((i) => i.id));
        terminalsStore.getState().restore(layout.tabs, layout.active);
        setGone(layout.tabs.flat().filter((id) => !known.has(id)).length);
        for (const info of list) {
          if (info.state !== 'closed' && !terminalsStore.getState().tabs.some((t) => t.panes.includes(info.id))) terminalsStore.getState().add(info, false);
        }
      },
      (err: unknown) => shell.getState().pushToast(errorToast('Terminals', err)),
    );
    return () => {
      live = false;
    };
  }, [client, connected, shell]);

  useEffect(
    () =>
      client.on('terminal.changed', (info) => {
        if (terminalsStore.getState().infos[info.id]) terminalsStore.getState().upsert(info);
      }),
    [client],
  );

  // Ctrl+Tab / Ctrl+Shift+Tab switch tabs (focus goes to the new tab's terminal); Ctrl+Shift+F6
  // leaves a terminal for its tab button, from where Tab, arrows and the "g" chords work again.
  // Inside xterm these arrive because TerminalPane's key handler lets them through.
  useEffect(() => {
    const onKeyDown = (event: globalThis.KeyboardEvent): void => {
      const key = consoleKey(event);
      if (key === null || key === 'palette') return;
      const s = terminalsStore.getState();
      if (s.tabs.length === 0 || s.openRequest) return;
      event.preventDefault();
      if (key === 'leave') {
        document.getElementById(`terminal-tab-${s.activeTab}`)?.focus();
        return;
      }
      const at = s.tabs.findIndex((t) => t.key === s.activeTab);
      const next = s.tabs[(at + (key === 'next-tab' ? 1 : -1) + s.tabs.length) % s.tabs.length];
      if (!next) return;
      s.activate(next.key);
      if (next.panes[0] !== undefined) s.focus(next.panes[0]);
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);

  const openDialog = (split: boolean): void => terminalsStore.getState().requestOpen({ prefill: { kind: 'host' }, split });

  const closeTerminal = (id: number): void => {
    const info = terminalsStore.getState().infos[id];
    const close = (): void => {
      terminalsStore.getState().remove(id);
      client.invoke('terminal.close', { id }).catch((err: unknown) => shell.getState().pushToast(errorToast(`Closing ${info?.title ?? id}`, err)));
    };
    if (info?.state === 'open') confirm({ title: `Close ${info.title}?`, body: <p>This ends the shell on the remote side; anything still running in it stops.</p>, confirmLabel: 'Close terminal' }, close);
    else close();
  };

  const closeTab = (key: number): void => {
    const tab = terminalsStore.getState().tabs.find((t) => t.key === key);
    if (!tab) return;
    const openOnes = tab.panes.filter((p) => terminalsStore.getState().infos[p]?.state === 'open');
    const close = (): void => {
      for (const id of tab.panes) {
        terminalsStore.getState().remove(id);
        client.invoke('terminal.close', { id }).catch(() => undefined);
      }
    };
    if (openOnes.length > 0) confirm({ title: `Close ${openOnes.length === 1 ? 'this terminal' : `${openOnes.length} terminals`}?`, body: <p>The remote shells end; anything still running in them stops.</p>, confirmLabel: 'Close' }, close);
    else close();
  };

  const onTabKey = (event: KeyboardEvent<HTMLDivElement>): void => {
    if (event.key === 'Delete' && activeTab !== null) {
      event.preventDefault();
      closeTab(activeTab);
      return;
    }
    if (event.key !== 'ArrowRight' && event.key !== 'ArrowLeft') return;
    const at = tabs.findIndex((t) => t.key === activeTab);
    const next = tabs[(at + (event.key === 'ArrowRight' ? 1 : -1) + tabs.length) % tabs.length];
    if (!next) return;
    event.preventDefault();
    terminalsStore.getState().activate(next.key);
    document.getElementById(`terminal-tab-${next.key}`)?.focus();
  };

  const tabLabel = (panes: number[]): string => panes.map((p) => infos[p]?.title ?? `terminal ${p}`).join(' | ');
  const allOpen = tabs.flatMap((t) => t.panes);

  return (
    <>
      <ViewHeader
        title="Terminals"
        description="SSH shells and PowerShell consoles to hosts and inventory VMs. Host keys are checked before any credential is sent."
        actions={
          <>
            <button type="button" className="button button-primary" onClick={() => openDialog(false)} data-testid="open-terminal">
              New terminal
            </button>
            <button type="button" className="button" disabled={!activeTab} onClick={() => openDialog(true)} title="Open another terminal beside the active one">
              Split
            </button>
            <FanoutToggle />
            <button type="button" className={`button${showRecordings ? ' button-on' : ''}`} aria-pressed={showRecordings} onClick={() => setShowRecordings((v) => !v)} data-testid="recordings-toggle">
              Recordings
            </button>
          </>
        }
      />
      <FanoutSection />
      {showRecordings && <RecordingsSection />}
      {gone > 0 && (
        <p className="notice" role="status" data-testid="terminals-gone">
          {gone === 1 ? '1 terminal' : `${gone} terminals`} of this layout {gone === 1 ? 'is' : 'are'} no longer open (Outpost was restarted): open {gone === 1 ? 'it' : 'them'} again with{' '}
          <button type="button" className="button button-small" onClick={() => { setGone(0); openDialog(false); }}>
            New terminal
          </button>
        </p>
      )}
      {tabs.length === 0 ? (
        <EmptyState
          title="No terminal open"
          purpose="Open shells to ESXi hosts, firewalls and guests side by side, with a session log on request and input broadcast to several at once."
          firstStep={
            <p>
              Choose <strong>New terminal</strong>, give a host (or pick a VM from Inventory) and a credential profile. An unknown host key is shown with its
              fingerprint for you to confirm first.
            </p>
          }
          action={
            <button type="button" className="button button-primary" onClick={() => openDialog(false)}>
              New terminal
            </button>
          }
        />
      ) : (
        <div className="terminals">
          <div className="terminals-toolbar">
            <div className="tablist terminal-tabs" role="tablist" aria-label="Terminals" onKeyDown={onTabKey}>
              {tabs.map((t) => {
                const closed = t.panes.every((p) => infos[p]?.state === 'closed');
                return (
                  // A tab list holds tabs only: the wrapper is presentational and the × is for the
                  // mouse (Delete on the focused tab closes it, announced through aria-keyshortcuts).
                  <div key={t.key} role="presentation" className={`terminal-tab${t.key === activeTab ? ' terminal-tab-active' : ''}${closed ? ' terminal-tab-closed' : ''}`}>
                    <button
                      id={`terminal-tab-${t.key}`}
                      type="button"
                      role="tab"
                      aria-selected={t.key === activeTab}
                      aria-controls={`terminal-panel-${t.key}`}
                      tabIndex={t.key === activeTab ? 0 : -1}
                      aria-keyshortcuts="Delete"
                      title="Delete closes this tab"
                      className="terminal-tab-button mono"
                      onClick={() => terminalsStore.getState().activate(t.key)}
                    >
                      {tabLabel(t.panes)}
                    </button>
                    <button type="button" className="terminal-tab-close" aria-hidden="true" tabIndex={-1} title={`Close ${tabLabel(t.panes)} (Delete)`} onClick={() => closeTab(t.key)}>
                      ×
                    </button>
                  </div>
                );
              })}
            </div>
            <div className="terminals-tools">
              <span className="muted small" aria-live="polite">
                {fontSize}px
              </span>
              <button type="button" className="button button-small" aria-label="Smaller text (Ctrl+-)" onClick={() => terminalsStore.getState().zoom(-1)}>
                A−
              </button>
              <button type="button" className="button button-small" aria-label="Larger text (Ctrl+=)" onClick={() => terminalsStore.getState().zoom(1)}>
                A+
              </button>
              <button
                type="button"
                className={`button button-small${screenReader ? ' button-on' : ''}`}
                aria-pressed={screenReader}
                onClick={() => terminalsStore.getState().toggleScreenReader()}
                title="Mirror the terminal text into the accessibility tree for screen readers"
              >
                Screen reader
              </button>
              <button
                type="button"
                className={`button button-small${broadcast ? ' button-on' : ''}`}
                aria-pressed={broadcast}
                onClick={() => terminalsStore.getState().toggleBroadcast()}
                data-testid="broadcast-toggle"
                title="Send what you type to every checked terminal"
              >
                {broadcast ? `Broadcasting to ${broadcastTargets.filter((b) => allOpen.includes(b)).length}` : 'Broadcast input'}
              </button>
            </div>
          </div>
          <p className="terminals-keys muted small" id="terminals-keys">
            In a terminal: <kbd>{LEAVE_TERMINAL_KEY.label}</kbd> back to the console, <kbd>Ctrl+Tab</kbd> / <kbd>Ctrl+Shift+Tab</kbd> next / previous tab, <kbd>Ctrl+Shift+P</kbd> commands.
          </p>
          {tabs.map((t) => (
            <div
              key={t.key}
              id={`terminal-panel-${t.key}`}
              role="tabpanel"
              aria-labelledby={`terminal-tab-${t.key}`}
              className={`terminal-panes terminal-panes-${t.panes.length}`}
              hidden={t.key !== activeTab}
            >
              {t.panes.map((id) => (
                <div key={id} className="terminal-pane-slot">
                  <TerminalPane id={id} active={t.key === activeTab} />
                  {t.panes.length > 1 && (
                    <button type="button" className="button button-small terminal-pane-close" onClick={() => closeTerminal(id)} aria-label={`Close ${infos[id]?.title ?? id}`}>
                      Close pane
                    </button>
                  )}
                </div>
              ))}
            </div>
          ))}
        </div>
      )}
      {openRequest && (
        <OpenTerminalDialog
          prefill={openRequest.prefill}
          split={openRequest.split}
          onClose={() => terminalsStore.getState().dismissOpen()}
          onOpened={(info) => {
            const s = terminalsStore.getState();
            s.dismissOpen();
            s.add(info, openRequest.split);
          }}
        />
      )}
      {dialog}
    </>
  );
}
