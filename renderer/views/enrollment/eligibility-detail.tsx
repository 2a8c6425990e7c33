import type { OsRule } from '../../../core/contract/enrollment';
import type { VmPickerDetail } from '../../parts/VmPicker';
import { eligibilityHints } from './wizard-state';

/**
 * The VM picker's last column when enrolling: what the inventory already knows against each VM
 * (powered off, Tools not running, already enrolled, OS no rule covers), and a filter that hides
 * the VMs something blocks.
 */
export function eligibilityDetail(enrolled: ReadonlySet<string>, rules: readonly OsRule[] | null): VmPickerDetail {
  return {
    header: 'Eligibility',
    cell: (vm) => {
      const hints = eligibilityHints(vm, enrolled, rules);
      if (hints.length === 0) return <span className="enroll-hint enroll-hint-ok">Looks eligible</span>;
      return hints.map((h) => (
        <span key={h.id} className={`enroll-hint${h.blocking ? ' enroll-hint-block' : ''}`} data-hint={h.id}>
          {h.label}
        </span>
      ));
    },
    hide: { label: 'Hide VMs that cannot enroll', keep: (vm) => eligibilityHints(vm, enrolled, rules).every((h) => !h.blocking) },
  };
}
