import { useState } from 'react';
import type { EventFilter } from '../../../core/contract';
import { EmptyState } from '../../ui/EmptyState';
import { ViewHeader } from '../../ui/ViewHeader';
import { DataTable, type DataColumn } from '../../ui/DataTable';
import { Time } from '../../ui/Time';
import { useDebouncedValue } from '../../data/use-debounced-value';
import { eventText, MAX_EVENTS_SHOWN, useVcenterEvents } from './use-vcenter-events';

type VcenterEvent = ReturnType<typeof useVcenterEvents>['events'][number];
const eventColumns: DataColumn<VcenterEvent>[] = [
  { id: 'time', label: 'Time', className: 'nowrap', cell: (e) => <Time at={e.createdAt} />, sortValue: (e) => e.createdAt },
  { id: 'site', label: 'Site', cell: (e) => e.site, sortValue: (e) => e.site },
  { id: 'type', label: 'Type', className: 'mono small', cell: (e) => e.type, sortValue: (e) => e.type },
  { id: 'user', label: 'User', cell: (e) => e.userName ?? <span className="muted">system</span>, sortValue: (e) => e.userName },
  { id: 'object', label: 'VM / host', cell: (e) => e.vmName ?? e.hostName ?? '—', sortValue: (e) => e.vmName ?? e.hostName ?? null },
  { id: 'what', label: 'What happened', className: 'small', cell: eventText },
];

const SINCE = { '': 'Any time', '1h': 'Last hour', '24h': 'Last 24 hours', '7d': 'Last 7 days' } as const;
const SINCE_MS: Record<keyof typeof SINCE, number> = { '': 0, '1h': 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000 };

interface FilterText {
  type: string;
  user: string;
  vm: string;
  host: string;
  since: keyof typeof SINCE;
}

function toFilter(t: FilterText, now: number): EventFilter {
  const f: EventFilter = {};
  if (t.type.trim()) f.type = t.type.trim();
  if (t.user.trim()) f.user = t.user.trim();
  if (t.vm.trim()) f.vm = t.vm.trim();
  if (t.host.trim()) f.host = t.host.trim();
  if (t.since) f.since = new Date(now - SINCE_MS[t.since]).toISOString();
  return f;
}

/**
 * Every vCenter event the always-on index stored, newest first: who did what to which VM or
 * host. Filters run on the host (events.list); new events arrive live (inventory.events). Text
 * from vCenter is shown as text (React escapes it), never as markup.
 */
export function EventsView() {
  const [text, setText] = useState<FilterText>({ type: '', user: '', vm: '', host: '', since: '' });
  const debounced = useDebouncedValue(text, 250);
  // The "since" window is fixed when the filter changes, so the request does not change every render.
  const [filter, setFilter] = useState<{ key: string; value: EventFilter }>({ key: '', value: {} });
  const key = JSON.stringify(debounced);
  if (filter.key !== key) setFilter({ key, value: toFilter(debounced, Date.now()) });
  const { events, loading, more, loadOlder } = useVcenterEvents(filter.value, 200);
  const field = (name: Exclude<keyof FilterText, 'since'>, label: string, placeholder: string) => (
    <label className="field field-inline">
      <span>{label}</span>
      <input type="search" value={text[name]} placeholder={placeholder} maxLength={200} onChange={(e) => setText((t) => ({ ...t, [name]: e.target.value }))} />
    </label>
  );
  const filtered = Object.values(debounced).some((v) => v !== '');
  return (
    <>
      <ViewHeader title="Events" description="vCenter events from every site, as the always-on index stores them: who powered off, reconfigured, renamed or deleted what, and when." />
      <div className="toolbar events-filters" role="search" aria-label="Filter events">
        {field('type', 'Type', 'VmPoweredOffEvent or Vm*')}
        {field('user', 'User', 'vCenter user')}
        {field('vm', 'VM', 'name or moref')}
        {field('host', 'Host', 'name or moref')}
        <label className="field field-inline">
          <span>Time</span>
          <select value={text.since} onChange={(e) => setText((t) => ({ ...t, since: e.target.value as FilterText['since'] }))}>
            {Object.entries(SINCE).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <span className="muted small" aria-live="polite" data-testid="events-count">
          {loading && events.length === 0 ? 'Loading…' : `${events.length} event${events.length === 1 ? '' : 's'}${more ? ' shown, more available' : ''}`}
        </span>
      </div>
      {events.length > 0 && (
        <DataTable
          className="events-table"
          testId="events-table"
          caption={`vCenter events, newest first (at most ${MAX_EVENTS_SHOWN} shown)`}
          columns={eventColumns}
          rows={events}
          rowKey={(e) => e.id}
          rowProps={() => ({ 'data-testid': 'event-row' })}
        />
      )}
      {!loading && events.length === 0 &&
        (filtered ? (
          <p className="muted">No events match these filters.</p>
        ) : (
          <EmptyState
            title="No vCenter events yet"
            purpose="Once a site is added, Outpost keeps it indexed and stores every vCenter event: power operations, reconfigurations, renames, deletions, logins."
            firstStep={<p>Add a vCenter in Inventory; its events appear here within seconds.</p>}
          />
        ))}
      {more && (
        <div className="load-more">
          <button type="button" className="button" onClick={loadOlder} disabled={loading}>
            {loading ? 'Loading…' : 'Load older events'}
          </button>
        </div>
      )}
    </>
  );
}
