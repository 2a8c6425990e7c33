import type { ViewId } from '../navigation/views';

export interface PlannedView {
  title: string;
  description: string;
  /** What the view will do when its issue lands. Honest: nothing here is sample data. */
  purpose: string;
  firstStep: string;
}

/** Views whose features arrive with later issues; each says what it is for and what comes first. */
export const plannedViews: Partial<Record<ViewId, PlannedView>> = {
  enrollment: {
    title: 'Enrollment',
    description: 'Bring VMs under management, and take them out again.',
    purpose:
      'Enrollment will check a VM through VMware Tools, reach its OS over SSH or WinRM, allocate a public address and NAT, and record every step so a failed run resumes or rolls back.',
    firstStep: 'Add a vCenter in Inventory so there are VMs to enroll. Enrollment itself is not in this build yet.',
  },
};
