import { useEffect, useMemo, useRef, useState } from 'react';
import type { BatchStarted } from '../../../core/contract/enrollment';
import { useClient, useShell } from '../../app/shell-context';
import { batchRows, needsError, newer, type BatchRow, type RunError, type RunUpdate } from './batch-progress';

/**
 * Live rows for a started batch: `procedure.updated` moves each VM's state and step,
 * `procedure.log` its last line; one procedures.list answer fills in runs whose events came
 * before the batch's answer did. A run that fails is read once with procedures.get for its
 * error. No polling; every subscription is disposed with the batch.
 */
export function useBatchProgress(batch: BatchStarted | null): BatchRow[] {
  const client = useClient();
  const connected = useShell((s) => s.connection.phase === 'connected');
  const [live, setLive] = useState<ReadonlyMap<string, RunUpdate>>(new Map());
  const [errors, setErrors] = useState<ReadonlyMap<string, RunError>>(new Map());
  const [logs, setLogs] = useState<ReadonlyMap<string, string>>(new Map());
  const asked = useRef(new Set<string>());

  const ids = useMemo(() => new Set(batch?.items.flatMap((i) => (i.procedureId ? [i.procedureId] : [])) ?? []), [batch]);

  const [shownBatch, setShownBatch] = useState(batch);
  if (shownBatch !== batch) {
    setShownBatch(batch);
    setLive(new Map());
    setErrors(new Map());
    setLogs(new Map());
    asked.current = new Set();
  }

  useEffect(() => {
    if (ids.size === 0) return undefined;
    const disposers = [
      client.on('procedure.updated', (run) => {
        if (ids.has(run.id)) setLive((m) => new Map(m).set(run.id, newer(m.get(run.id), run)));
      }),
      client.on('procedure.log', (line) => {
        if (ids.has(line.procedureId)) setLogs((m) => new Map(m).set(line.procedureId, line.message));
      }),
    ];
    return () => {
      for (const dispose of disposers) dispose();
    };
  }, [client, ids]);

  // Where each run is now (also after a reconnect, when events may have been missed).
  useEffect(() => {
    if (ids.size === 0 || !connected) return undefined;
    let alive = true;
    client.invoke('procedures.list', { limit: 500 }).then(
      (runs) => {
        if (!alive) return;
        setLive((m) => {
          const next = new Map(m);
          for (const run of runs) if (ids.has(run.id)) next.set(run.id, newer(next.get(run.id), { ...run, step: null }));
          return next;
        });
      },
      () => undefined, // the events still arrive; the list only fills gaps
    );
    return () => {
      alive = false;
    };
  }, [client, ids, connected]);

  // A failed run says why (once per run and state).
  useEffect(() => {
    for (const [id, run] of live) {
      const key = `${id}:${run.state}`;
      if (!needsError(run.state) || asked.current.has(key)) continue;
      asked.current.add(key);
      client.invoke('procedures.get', { id }).then(
        (detail) => {
          // A rolled-back run keeps its error on the step that failed; else the run's own.
          const failedStep = detail.steps.find((s) => s.error) ?? null;
          const error = failedStep?.error ?? detail.procedure.error;
          if (!error) return;
          setErrors((m) => new Map(m).set(id, { code: error.code, message: error.message, step: failedStep?.title ?? null }));
        },
        () => asked.current.delete(key),
      );
    }
  }, [client, live]);

  return useMemo(() => (batch ? batchRows(batch, live, errors, logs) : []), [batch, live, errors, logs]);
}
