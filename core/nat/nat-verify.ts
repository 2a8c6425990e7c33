import { OutpostError } from '../contract/errors.js';
import { matches, type NatMapping } from './firewall-driver.js';
import type { NatService } from './nat-service.js';

/**
 * Read-backs shared by every procedure that changes NAT rules (nat.add, nat.remove, enrollment):
 * after an ensure the firewall must show exactly the mapping; after a remove, nothing of the record.
 */
export async function verifyNatApplied(nat: NatService, firewall: string, mapping: NatMapping): Promise<void> {
  const observed = (await (await nat.driver(firewall)).observe()).find((o) => o.recordId === mapping.recordId);
  if (!matches(mapping, observed)) {
    throw new OutpostError('NAT_DRIFT', `Firewall ${firewall} does not show the NAT ${mapping.publicIp} <-> ${mapping.privateIp} after applying it.`, { observed: observed ?? null });
  }
}

export async function verifyNatGone(nat: NatService, firewall: string, recordId: number): Promise<void> {
  const left = (await (await nat.driver(firewall)).observe()).find((o) => o.recordId === recordId);
  if (left) throw new OutpostError('NAT_DRIFT', `Firewall ${firewall} still has rules of NAT record ${recordId}.`, { observed: left });
}
