import { useEffect, useId, useMemo, useState } from 'react';
import { useStore } from 'zustand';
import { useClient } from '../../app/shell-context';
import { fanoutOutputStore, matchingLines, splitMatches, type StreamText } from './fanout-output';
import { fanoutStore } from './fanout-store';
import { errorText } from './fanout-text';

function Stream({ name, stream, query }: { name: 'stdout' | 'stderr'; stream: StreamText | undefined; query: string }) {
  const lines = useMemo(() => matchingLines(stream?.text ?? '', query), [stream, query]);
  return (
    <div data-testid={`fanout-output-${name}`}>
      <h4>
        {name}
        {query.trim() && <span className="muted small"> · {lines.length} matching lines</span>}
      </h4>
      {stream && stream.dropped > 0 && (
        <p className="muted small" data-testid="fanout-output-dropped">
          The first {stream.dropped.toLocaleString()} characters are no longer kept (only the last 2 MiB of each stream are).
        </p>
      )}
      <pre className="mono">
        {lines.length === 0 ? (
          <span className="muted">{query.trim() ? '(no line matches)' : '(nothing yet)'}</span>
        ) : (
          lines.map((l) => (
            <div key={l.line} data-testid="fanout-output-line">
              <span className="fanout-line-no">{l.line}</span>
              {splitMatches(l.text, query).map((part, i) => (part.match ? <mark key={i}>{part.text}</mark> : <span key={i}>{part.text}</span>))}
            </div>
          ))
        )}
      </pre>
    </div>
  );
}

/**
 * The selected host's whole kept output, live: seeded with `fanout.output` (what arrived before the pane
 * opened) and then grown by `fanout.output` events. The search keeps only the lines that contain it, marked.
 */
export function HostOutputPane() {
  const client = useClient();
  const id = useId();
  const job = useStore(fanoutStore, (s) => s.job);
  const selected = useStore(fanoutOutputStore, (s) => s.selected);
  const output = useStore(fanoutOutputStore, (s) => (s.selected === null ? undefined : s.hosts[s.selected]));
  const [query, setQuery] = useState('');
  const [error, setError] = useState<string | null>(null);
  const row = job && selected !== null ? job.rows[selected] : undefined;

  // Read what core kept when a pane opens on a host that already printed (or finished) before it was open.
  const host = row?.host;
  const jobId = job?.id;
  useEffect(() => {
    setError(null);
    if (!jobId || !host || selected === null) return;
    let live = true;
    client.invoke('fanout.output', { jobId, host }).then(
      (o) => live && fanoutOutputStore.getState().jobId === jobId && fanoutOutputStore.getState().replace(selected, o),
      (err: unknown) => live && setError(errorText(err)),
    );
    return () => {
      live = false;
    };
  }, [client, jobId, host, selected]);

  if (!row) return null;
  return (
    <section className="panel fanout-output-pane" data-testid="fanout-output-pane" aria-labelledby={`${id}-h`}>
      <div className="panel-heading-row">
        <h3 id={`${id}-h`}>
          Output of <span className="mono">{row.host}</span>
        </h3>
        <div className="toolbar">
          <label htmlFor={`${id}-q`} className="visually-hidden">
            Search output
          </label>
          <input id={`${id}-q`} type="search" placeholder="Search output" value={query} onChange={(e) => setQuery(e.target.value)} />
          <button type="button" className="button button-small" onClick={() => fanoutOutputStore.getState().select(null)}>
            Close
          </button>
        </div>
      </div>
      {row.error && (
        <p className="field-error" data-testid="fanout-output-error">
          <strong>{row.error.code}</strong>: {row.error.message}
        </p>
      )}
      {error && <p className="field-error">{error}</p>}
      <Stream name="stdout" stream={output?.stdout} query={query} />
      <Stream name="stderr" stream={output?.stderr} query={query} />
    </section>
  );
}
