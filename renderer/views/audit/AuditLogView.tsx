import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { AuditEntry } from '../../../core/contract';
import { errorToast } from '../../app/error-toast';
import { useClient, useShell, useShellStore } from '../../app/shell-context';
import { EmptyState } from '../../ui/EmptyState';
import { ViewHeader } from '../../ui/ViewHeader';
import { matchesAuditQuery, summariseDetails } from './audit-query-match';
import { DataTable, type DataColumn } from '../../ui/DataTable';
import { Time } from '../../ui/Time';
import { useDebouncedValue } from '../../data/use-debounced-value';

type Phase = 'loading' | 'idle' | 'loading-older' | 'failed';

const auditColumns: DataColumn<AuditEntry>[] = [
  { id: 'time', label: 'Time', className: 'nowrap', cell: (e) => <Time at={e.at} />, sortValue: (e) => e.at },
  { id: 'actor', label: 'Actor', cell: (e) => e.actor, sortValue: (e) => e.actor },
  { id: 'action', label: 'Action', className: 'mono', cell: (e) => e.action, sortValue: (e) => e.action },
  { id: 'target', label: 'Target', cell: (e) => e.target ?? '—', sortValue: (e) => e.target },
  { id: 'outcome', label: 'Outcome', cell: (e) => <span className={`badge badge-${e.outcome === 'ok' ? 'succeeded' : 'failed'}`}>{e.outcome}</span>, sortValue: (e) => e.outcome },
  {
    id: 'details',
    label: 'Details',
    className: 'mono small details-cell',
    cell: (e) => summariseDetails(e.details),
    cellTitle: (e) => (summariseDetails(e.details) ? JSON.stringify(e.details, null, 2) : undefined),
  },
];

function AuditTable({ entries }: { entries: AuditEntry[] }) {
  return <DataTable columns={auditColumns} rows={entries} rowKey={(e) => e.id} caption="Audit log, newest first" describedBy="audit-count" />;
}

/** The real audit log: keyset-paged from audit.list, searched on the host, live via audit.appended. */
export function AuditLogView() {
  const client = useClient();
  const store = useShellStore();
  const pageSize = useShell((s) => s.settings?.auditPageSize ?? 100);
  const connected = useShell((s) => s.connection.phase === 'connected');
  const [search, setSearch] = useState('');
  const query = useDebouncedValue(search.trim(), 250);
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [nextBeforeId, setNextBeforeId] = useState<number | null>(null);
  const [phase, setPhase] = useState<Phase>('loading');
  // Answers for an older query (or after unmount) must not land in the list.
  const request = useRef(0);
  const queryRef = useRef(query);
  useLayoutEffect(() => {
    queryRef.current = query;
  });

  useEffect(() => {
    if (!connected) return undefined;
    const mine = ++request.current;
    setPhase('loading');
    client.invoke('audit.list', { limit: pageSize, ...(query ? { query } : {}) }).then(
      (page) => {
        if (mine !== request.current) return;
        setEntries(page.entries);
        setNextBeforeId(page.nextBeforeId);
        setPhase('idle');
      },
      (err: unknown) => {
        if (mine !== request.current) return;
        setPhase('failed');
        store.getState().pushToast(errorToast('Could not read the audit log', err));
      },
    );
    return () => {
      request.current += 1;
    };
  }, [client, store, pageSize, query, connected]);

  useEffect(
    () =>
      client.on('audit.appended', (entry) => {
        if (!matchesAuditQuery(entry, queryRef.current)) return;
        setEntries((list) => (list.some((e) => e.id === entry.id) ? list : [entry, ...list]));
      }),
    [client],
  );

  const loadOlder = (): void => {
    if (nextBeforeId === null) return;
    const mine = ++request.current;
    setPhase('loading-older');
    client.invoke('audit.list', { limit: pageSize, beforeId: nextBeforeId, ...(query ? { query } : {}) }).then(
      (page) => {
        if (mine !== request.current) return;
        setEntries((list) => [...list, ...page.entries.filter((e) => !list.some((x) => x.id === e.id))]);
        setNextBeforeId(page.nextBeforeId);
        setPhase('idle');
      },
      (err: unknown) => {
        if (mine !== request.current) return;
        setPhase('idle');
        store.getState().pushToast(errorToast('Could not load older audit entries', err));
      },
    );
  };

  const searching = query !== '';
  return (
    <>
      <ViewHeader title="Audit log" description="Every change made from this console, the CLI or a procedure: who, what, on which target, and whether it worked." />
      <div className="toolbar">
        <label className="search-field">
          <span className="visually-hidden">Search the audit log</span>
          <input
            type="search"
            placeholder="Search actor, action or target"
            value={search}
            onChange={(event) => setSearch(event.target.value)}
            maxLength={200}
          />
        </label>
        <span id="audit-count" className="muted small" aria-live="polite">
          {phase === 'loading' ? 'Loading…' : `${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}${nextBeforeId !== null ? ' shown, more available' : ''}`}
        </span>
      </div>
      {entries.length > 0 && <AuditTable entries={entries} />}
      {phase !== 'loading' && phase !== 'failed' && entries.length === 0 && (
        searching ? (
          <p className="muted">No audit entries match “{query}”.</p>
        ) : (
          <EmptyState
            title="The audit log is empty"
            purpose="Each change — a setting saved, the vault unlocked, a procedure step run — is recorded here with the operator's name."
            firstStep={<p>Set your operator name in Settings so your actions are recorded under it. Saving it is the first entry you will see here.</p>}
          />
        )
      )}
      {nextBeforeId !== null && (
        <div className="load-more">
          <button type="button" className="button" onClick={loadOlder} disabled={phase === 'loading-older'}>
            {phase === 'loading-older' ? 'Loading…' : 'Load older entries'}
          </button>
        </div>
      )}
    </>
  );
}
