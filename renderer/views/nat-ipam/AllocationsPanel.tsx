import { useState } from 'react';
import type { AllocationView, PoolView } from '../../../core/contract';
import { formatTime } from '../format-time';
import { ProcedureLink } from '../ProcedureLink';
import { useContractQuery } from '../use-contract-query';

function When({ iso, who }: { iso: string | null; who: string | null }) {
  if (!iso) return <span className="muted">—</span>;
  return (
    <>
      <time dateTime={iso} title={iso}>
        {formatTime(iso)}
      </time>
      {who && <span className="muted"> {who}</span>}
    </>
  );
}

function AllocationsTable({ rows }: { rows: AllocationView[] }) {
  return (
    <table className="data-table">
      <caption className="visually-hidden">Address allocations</caption>
      <thead>
        <tr>
          <th scope="col">Address</th>
          <th scope="col">Pool</th>
          <th scope="col">Owner</th>
          <th scope="col">Purpose</th>
          <th scope="col">Procedure</th>
          <th scope="col">Allocated</th>
          <th scope="col">Released</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((a) => (
          <tr key={a.id} className={a.releasedAt ? 'row-released' : undefined}>
            <th scope="row" className="row-heading mono">
              {a.address}
            </th>
            <td>{a.pool}</td>
            <td className="mono small">{a.owner}</td>
            <td>{a.purpose}</td>
            <td>{a.procedureId ? <ProcedureLink id={a.procedureId} /> : '—'}</td>
            <td className="small">
              <When iso={a.allocatedAt} who={a.allocatedBy} />
            </td>
            <td className="small">
              <When iso={a.releasedAt} who={a.releasedBy} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Who holds which address; `refresh` changes when something elsewhere may have moved them. */
export function AllocationsPanel({ pools, refresh }: { pools: PoolView[]; refresh: number }) {
  const [pool, setPool] = useState('');
  const [includeReleased, setIncludeReleased] = useState(false);
  const rows = useContractQuery(
    'Could not list allocations',
    (c) => c.invoke('ipam.allocations.list', { ...(pool ? { pool } : {}), includeReleased }),
    `${pool}|${includeReleased}|${refresh}`,
  );

  return (
    <>
      <div className="toolbar">
        <label className="inline-field">
          <span>Pool</span>
          <select value={pool} onChange={(event) => setPool(event.target.value)} aria-label="Filter by pool">
            <option value="">All pools</option>
            {pools.map((p) => (
              <option key={p.id} value={p.name}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
        <label className="inline-field">
          <input type="checkbox" checked={includeReleased} onChange={(event) => setIncludeReleased(event.target.checked)} />
          <span>Include released</span>
        </label>
      </div>
      {rows.data && rows.data.length > 0 && <AllocationsTable rows={rows.data} />}
      {rows.data && rows.data.length === 0 && (
        <p className="muted">
          {pools.length === 0
            ? 'No pools yet, so nothing is allocated. Add a pool first.'
            : `No ${includeReleased ? '' : 'current '}allocations${pool ? ` in ${pool}` : ''}. Adding a NAT from a pool allocates its public address here.`}
        </p>
      )}
      {!rows.data && rows.loading && <p className="muted">Loading allocations…</p>}
    </>
  );
}
