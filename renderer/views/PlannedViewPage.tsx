import { EmptyState } from '../shell/EmptyState';
import { ViewHeader } from '../shell/ViewHeader';
import type { PlannedView } from './planned-views';

export function PlannedViewPage({ view }: { view: PlannedView }) {
  return (
    <>
      <ViewHeader title={view.title} description={view.description} />
      <EmptyState title="Nothing here yet" purpose={view.purpose} firstStep={<p>{view.firstStep}</p>} />
    </>
  );
}
