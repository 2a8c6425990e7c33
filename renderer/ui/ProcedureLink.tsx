import { hashForView } from '../navigation/hash-route';

/** A link to one procedure run's page. */
export function ProcedureLink({ id, children }: { id: string; children?: string }) {
  return (
    <a href={hashForView('procedures', id)} className="mono">
      {children ?? id.slice(0, 8)}
    </a>
  );
}
