import type { VmSummary } from '../../../core/contract';
import { eventText, useVcenterEvents } from '../events/use-vcenter-events';
import { formatTime } from '../../ui/format-time';

/** The selected VM's vCenter events, newest first, live: who did what to it and when. */
export function VmTimeline({ vm }: { vm: VmSummary }) {
  const { events, loading, more, loadOlder } = useVcenterEvents({ site: vm.site, vm: vm.moref }, 20);
  return (
    <section className="vm-timeline" aria-labelledby="vm-timeline-heading" data-testid="vm-timeline">
      <h3 id="vm-timeline-heading">Timeline</h3>
      {events.length === 0 ? (
        <p className="small muted">{loading ? 'Loading…' : 'No vCenter events for this VM yet.'}</p>
      ) : (
        <ol className="timeline">
          {events.map((e) => (
            <li key={e.id} data-testid="vm-timeline-event">
              <time dateTime={e.createdAt} title={e.createdAt} className="small muted">
                {formatTime(e.createdAt)}
              </time>{' '}
              <span className="mono small">{e.type}</span> <span className="small">{e.userName ? `by ${e.userName}` : 'by the system'}</span>
              <div className="small">{eventText(e)}</div>
            </li>
          ))}
        </ol>
      )}
      {more && (
        <button type="button" className="button button-small" onClick={loadOlder} disabled={loading}>
          Older events
        </button>
      )}
    </section>
  );
}
