import { useEffect } from 'react';
import { useStore } from 'zustand';
import { hashForView } from '../../navigation/hash-route';
import { useHashSubPath } from '../../navigation/use-hash-sub-path';
import { terminalsStore } from '../terminals/terminals-store';
import { FanoutPanel } from './FanoutPanel';

const SUB_PATH = 'fanout';

/** The Terminals page header's toggle between terminals and "Run on many hosts" (#/terminals/fanout). */
export function FanoutToggle() {
  const open = useHashSubPath('terminals') === SUB_PATH;
  return (
    <button
      type="button"
      className={`button${open ? ' button-on' : ''}`}
      aria-pressed={open}
      data-testid="fanout-toggle"
      title="Run one command on many hosts and watch the results arrive"
      onClick={() => {
        window.location.hash = open ? hashForView('terminals') : hashForView('terminals', SUB_PATH);
      }}
    >
      Run on many hosts
    </button>
  );
}

/** Shown in place of the terminals while #/terminals/fanout is open (the terminals stay connected underneath). */
export function FanoutSection() {
  const open = useHashSubPath('terminals') === SUB_PATH;
  const openRequest = useStore(terminalsStore, (s) => s.openRequest);
  // Opening a terminal (New terminal, Split, or from Inventory) goes back to the terminals.
  useEffect(() => {
    if (openRequest && open) window.location.hash = hashForView('terminals');
  }, [openRequest, open]);
  if (!open) return null;
  return (
    <div className="fanout-open">
      <FanoutPanel />
    </div>
  );
}
