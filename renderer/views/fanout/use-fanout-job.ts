import { useCallback, useEffect, useState } from 'react';
import { OutpostError, type CommandInput, type FanoutJob, type FanoutRow } from '../../../core/contract';
import { errorToast } from '../../app/error-toast';
import { useClient, useShell, useShellStore } from '../../app/shell-context';
import { fanoutOutputStore } from './fanout-output';
import { fanoutStore } from './fanout-store';
import { errorText } from './fanout-text';

/** What fanout.rerun {failed: true} runs again: a non-zero exit or an error (cancelled hosts are not failures). */
export const rowFailedToRerun = (r: FanoutRow): boolean => r.state === 'done' && (r.exitCode !== 0 || r.error !== null);

export interface FanoutJobActions {
  starting: boolean;
  /** Why the last start was refused (shown under the form). */
  startError: string | null;
  start(input: CommandInput<'fanout.start'>): void;
  cancel(): void;
  /** Runs hosts of the finished job again (these hosts, or every failed one); their rows and output start over. */
  rerun(which: { hosts: string[] } | { failed: true }): void;
}

/**
 * The job on screen (fanoutStore.job) kept current: read on every (re)connection (the job shown, or
 * the latest), then live from fanout.result / fanout.output / fanout.done (subscriptions disposed
 * with the panel), with the start, cancel and re-run calls.
 */
export function useFanoutJob(): FanoutJobActions {
  const client = useClient();
  const shell = useShellStore();
  const connected = useShell((s) => s.connection.phase === 'connected');
  const [starting, setStarting] = useState(false);
  const [startError, setStartError] = useState<string | null>(null);

  useEffect(() => {
    if (!connected) return;
    const current = fanoutStore.getState().job;
    const read = current ? Promise.resolve(current.id) : client.invoke('fanout.list', {}).then((list) => list[0]?.id ?? null);
    read
      .then((jobId) => (jobId ? client.invoke('fanout.get', { jobId }) : null))
      .then(
        (job) => {
          if (!job) return;
          if (fanoutOutputStore.getState().jobId !== job.id) fanoutOutputStore.getState().reset(job.id);
          fanoutStore.getState().set({ job });
        },
        (err: unknown) => {
          if (err instanceof OutpostError && err.code === 'NOT_FOUND') fanoutStore.getState().set({ job: null });
          else shell.getState().pushToast(errorToast('Fan-out', err));
        },
      );
  }, [client, connected, shell]);

  useEffect(() => {
    const offs = [
      client.on('fanout.result', (e) => fanoutStore.getState().applyResult(e)),
      client.on('fanout.output', (e) => fanoutOutputStore.getState().append(e)),
      client.on('fanout.done', (e) => {
        fanoutStore.getState().applyDone(e);
        if (fanoutStore.getState().job?.id === e.jobId) {
          client.invoke('fanout.get', { jobId: e.jobId }).then(
            (job) => fanoutStore.getState().job?.id === job.id && fanoutStore.getState().set({ job }),
            () => undefined,
          );
        }
      }),
    ];
    return () => offs.forEach((off) => off());
  }, [client]);

  const showJob = useCallback(
    (job: FanoutJob): Promise<unknown> => {
      fanoutStore.getState().set({ job });
      // Results that raced the answer are in this snapshot.
      return client.invoke('fanout.get', { jobId: job.id }).then((now) => fanoutStore.getState().job?.id === now.id && fanoutStore.getState().set({ job: now }));
    },
    [client],
  );

  const start = (input: CommandInput<'fanout.start'>): void => {
    setStartError(null);
    setStarting(true);
    client
      .invoke('fanout.start', input)
      .then(
        (job) => {
          setStarting(false);
          fanoutOutputStore.getState().reset(job.id);
          return showJob(job);
        },
        (err: unknown) => {
          setStarting(false);
          setStartError(errorText(err));
        },
      )
      .catch(() => undefined);
  };

  const cancel = (): void => {
    const job = fanoutStore.getState().job;
    if (!job) return;
    client.invoke('fanout.cancel', { jobId: job.id }).catch((err: unknown) => shell.getState().pushToast(errorToast('Cancel fan-out', err)));
  };

  const rerun = (which: { hosts: string[] } | { failed: true }): void => {
    const current = fanoutStore.getState().job;
    if (!current) return;
    const again = 'failed' in which ? current.rows.filter(rowFailedToRerun) : current.rows.filter((r) => which.hosts.includes(r.host));
    // Cleared before asking: the new run's first output can arrive before the answer does.
    fanoutOutputStore.getState().clear(again.map((r) => r.index));
    client
      .invoke('fanout.rerun', { jobId: current.id, ...which })
      .then(showJob)
      .catch((err: unknown) => shell.getState().pushToast(errorToast('Re-run', err)));
  };

  return { starting, startError, start, cancel, rerun };
}
