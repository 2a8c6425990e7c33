import { useCallback, useEffect, useState } from 'react';
import type { ProcedureDetail } from '../../../core/contract';
import { errorToast } from '../../app/error-toast';
import { useClient, useShell, useShellStore } from '../../app/shell-context';
import { emptyJournal, mergeJournal, type BoundedJournal } from './procedure-journal';

export interface ProcedureDetailState {
  detail: ProcedureDetail | null;
  journal: BoundedJournal;
  failed: boolean;
  reload(): void;
}

/**
 * One run, kept current by events: procedure.updated (state or step moved) refetches the run;
 * procedure.log lines append to the journal as they come. No polling. Both subscriptions are
 * disposed when the id changes or the pane unmounts.
 */
export function useProcedureDetail(id: string): ProcedureDetailState {
  const client = useClient();
  const store = useShellStore();
  const connected = useShell((s) => s.connection.phase === 'connected');
  const [detail, setDetail] = useState<ProcedureDetail | null>(null);
  const [journal, setJournal] = useState<BoundedJournal>(emptyJournal);
  const [failed, setFailed] = useState(false);
  const [generation, setGeneration] = useState(0);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);

  // A new run starts from nothing (not the previous run's journal).
  const [shownId, setShownId] = useState(id);
  if (shownId !== id) {
    setShownId(id);
    setDetail(null);
    setJournal(emptyJournal);
    setFailed(false);
  }

  useEffect(() => {
    if (!connected) return undefined;
    let alive = true;
    client.invoke('procedures.get', { id }).then(
      (value) => {
        if (!alive) return;
        setDetail(value);
        setFailed(false);
        setJournal((j) => mergeJournal(j, value.journal));
      },
      (err: unknown) => {
        if (!alive) return;
        setFailed(true);
        store.getState().pushToast(errorToast('Could not read the procedure', err));
      },
    );
    return () => {
      alive = false;
    };
  }, [client, store, id, connected, generation]);

  useEffect(() => {
    const disposers = [
      client.on('procedure.updated', (run) => {
        if (run.id === id) reload();
      }),
      client.on('procedure.log', (line) => {
        if (line.procedureId !== id) return;
        const { procedureId: _run, ...entry } = line;
        setJournal((j) => mergeJournal(j, [entry]));
      }),
    ];
    return () => {
      for (const dispose of disposers) dispose();
    };
  }, [client, id, reload]);

  return { detail, journal, failed, reload };
}
