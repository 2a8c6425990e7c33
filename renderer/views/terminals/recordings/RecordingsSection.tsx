import { SearchAddon } from '@xterm/addon-search';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { useEffect, useRef, useState } from 'react';
import type { CommandOutput } from '../../../../core/contract';
import { errorToast } from '../../../app/error-toast';
import { useClient, useShellStore } from '../../../app/shell-context';
import { DataTable } from '../../../ui/DataTable';
import { downloadText } from '../../../ui/download-text';
import { eventsUntil, parseCast, searchCast, type Cast } from './cast';

type Recording = CommandOutput<'recording.list'>[number];

const duration = (ms: number | null): string => (ms === null ? 'running' : ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`);
const clock = (s: number): string => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}`;

/** Reads every page of a recording (the host carries at most 1 MiB a message). */
async function loadCast(invoke: ReturnType<typeof useClient>['invoke'], id: number): Promise<string> {
  let text = '';
  let offset: number | null = 0;
  while (offset !== null) {
    const page: CommandOutput<'recording.get'> = await invoke('recording.get', { id, offset });
    text += page.cast;
    offset = page.nextOffset;
  }
  return text;
}

/** Recorded sessions: who, where, when, how long; play one back (seek, search) or save it as a .cast file. */
export function RecordingsSection() {
  const client = useClient();
  const shell = useShellStore();
  const [rows, setRows] = useState<Recording[] | null>(null);
  const [query, setQuery] = useState('');
  const [playing, setPlaying] = useState<{ recording: Recording; text: string } | null>(null);

  useEffect(() => {
    let live = true;
    client.invoke('recording.list', { ...(query ? { query } : {}), limit: 200 }).then(
      (list) => live && setRows(list),
      (err: unknown) => shell.getState().pushToast(errorToast('Recordings', err)),
    );
    return () => {
      live = false;
    };
  }, [client, shell, query]);

  const open = (r: Recording, then: (text: string) => void): void => {
    loadCast(client.invoke.bind(client), r.id).then(then, (err: unknown) => shell.getState().pushToast(errorToast(`Recording ${r.id}`, err)));
  };

  return (
    <section className="recordings" aria-label="Recorded sessions" data-testid="recordings">
      <div className="recordings-toolbar">
        <input className="input" type="search" placeholder="Filter by host or user" aria-label="Filter recordings" value={query} onChange={(e) => setQuery(e.target.value)} />
      </div>
      {rows && rows.length === 0 && <p className="muted">No recorded session yet. Sessions are recorded as Settings say (always, ask, off; enrolled VMs: always).</p>}
      {rows && rows.length > 0 && (
        <DataTable
          caption="Recorded sessions"
          columns={[
            { id: 'started', label: 'Started', sortValue: (r) => r.startedAt, cell: (r) => new Date(r.startedAt).toLocaleString() },
            { id: 'who', label: 'Who', sortValue: (r) => r.actor, cell: (r) => r.actor },
            {
              id: 'where',
              label: 'Where',
              sortValue: (r) => r.target,
              cell: (r) => (
                <>
                  {r.target} <span className="muted">({r.kind})</span>
                  {r.errorCode && <span className="badge badge-warning"> recording stopped early</span>}
                </>
              ),
            },
            { id: 'duration', label: 'How long', className: 'numeric', headerClassName: 'numeric', sortValue: (r) => r.durationMs, cell: (r) => duration(r.durationMs) },
          ]}
          rows={rows}
          rowKey={(r) => r.id}
          rowProps={(r) => ({ 'data-recording-id': r.id })}
          // Enter on a row plays it, as its Play button does.
          onOpen={(r) => open(r, (text) => setPlaying({ recording: r, text }))}
          actions={(r) => (
            <div className="row-actions">
              <button type="button" className="button button-small" onClick={() => open(r, (text) => setPlaying({ recording: r, text }))}>
                Play
              </button>
              <button type="button" className="button button-small" onClick={() => open(r, (text) => downloadText(text, r.file, 'application/x-asciicast'))}>
                Export
              </button>
            </div>
          )}
        />
      )}
      {playing && <RecordingPlayer key={playing.recording.id} title={`${playing.recording.target}, ${new Date(playing.recording.startedAt).toLocaleString()}`} text={playing.text} onClose={() => setPlaying(null)} />}
    </section>
  );
}

/** Plays a cast into a read-only xterm: play/pause, a seek bar, speed, and search that jumps to each hit. */
export function RecordingPlayer({ title, text, onClose }: { title: string; text: string; onClose(): void }) {
  const host = useRef<HTMLDivElement | null>(null);
  const term = useRef<{ t: Terminal; search: SearchAddon } | null>(null);
  const [cast, setCast] = useState<Cast | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [at, setAt] = useState(0);
  const [running, setRunning] = useState(false);
  const [speed, setSpeed] = useState(1);
  const [find, setFind] = useState('');
  const shown = useRef(0);

  useEffect(() => {
    try {
      setCast(parseCast(text));
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  }, [text]);

  useEffect(() => {
    if (!cast || !host.current) return;
    const t = new Terminal({ cols: cast.cols, rows: cast.rows, disableStdin: true, scrollback: 10_000, convertEol: false });
    const search = new SearchAddon();
    t.loadAddon(search);
    t.open(host.current);
    term.current = { t, search };
    shown.current = 0;
    return () => {
      t.dispose();
      term.current = null;
    };
  }, [cast]);

  // Draws the screen at `at`: forward by writing the events since the last draw, backward by replaying from the start.
  useEffect(() => {
    const x = term.current;
    if (!cast || !x) return;
    const until = eventsUntil(cast, at);
    if (until < shown.current) {
      x.t.reset();
      shown.current = 0;
    }
    if (until > shown.current) x.t.write(cast.output.slice(shown.current, until).map((e) => e[1]).join(''));
    shown.current = until;
  }, [cast, at]);

  useEffect(() => {
    if (!running || !cast) return;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      const step = ((now - last) / 1000) * speed;
      last = now;
      setAt((a) => {
        const next = Math.min(cast.duration, a + step);
        if (next >= cast.duration) setRunning(false);
        return next;
      });
    }, 50);
    return () => clearInterval(timer);
  }, [running, cast, speed]);

  const hits = cast && find ? searchCast(cast, find) : [];
  const jump = (): void => {
    if (!cast || hits.length === 0) return;
    const next = hits.find((h) => h > at + 0.001) ?? hits[0]!;
    setRunning(false);
    setAt(next);
    setTimeout(() => term.current?.search.findNext(find, { caseSensitive: false }), 0);
  };

  return (
    <div className="recording-player" role="region" aria-label={`Recording of ${title}`} data-testid="recording-player">
      <div className="recording-player-bar">
        <strong>{title}</strong>
        <button type="button" className="button button-small" disabled={!cast} onClick={() => (cast && at >= cast.duration ? (setAt(0), setRunning(true)) : setRunning((r) => !r))}>
          {running ? 'Pause' : 'Play'}
        </button>
        <input
          type="range"
          aria-label="Position"
          min={0}
          max={cast?.duration ?? 0}
          step={0.1}
          value={at}
          onChange={(e) => {
            setAt(Number(e.target.value));
          }}
        />
        <span className="muted" data-testid="recording-clock">
          {clock(at)} / {clock(cast?.duration ?? 0)}
        </span>
        <select className="select" aria-label="Speed" value={speed} onChange={(e) => setSpeed(Number(e.target.value))}>
          {[0.5, 1, 2, 4, 8].map((s) => (
            <option key={s} value={s}>
              {s}×
            </option>
          ))}
        </select>
        <input className="input" type="search" aria-label="Search the recording" placeholder="Search" value={find} onChange={(e) => setFind(e.target.value)} onKeyDown={(e) => e.key === 'Enter' && jump()} />
        <button type="button" className="button button-small" disabled={hits.length === 0} onClick={jump}>
          Next ({hits.length})
        </button>
        <button type="button" className="button button-small" onClick={onClose}>
          Close
        </button>
      </div>
      {error ? <p role="alert">{error}</p> : <div ref={host} className="recording-player-screen" />}
    </div>
  );
}
