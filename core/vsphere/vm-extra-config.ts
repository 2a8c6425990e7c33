import { OutpostError } from '../contract/errors.js';
import { readProperties } from './property-collector.js';
import type { VsphereSession } from './session.js';
import { waitForTask } from './tasks.js';
import { arrayItems, child, el, escapeXml, text, toRef, type MoRef } from './xml.js';

export interface ExtraConfigEntry {
  key: string;
  value: string;
}

/**
 * A VM's config.extraConfig as key → value. A later entry for the same key wins and an empty
 * value counts as absent: that is how vSphere applies an edit (an empty value deletes the key).
 */
export async function readExtraConfig(session: VsphereSession, vm: MoRef): Promise<ExtraConfigEntry[]> {
  const props = await readProperties(session, vm, ['config.extraConfig']);
  if (props.size === 0) throw new OutpostError('NOT_FOUND', `VM ${vm.value} is gone from vCenter.`, { vm: vm.value });
  const values = new Map<string, string>();
  for (const item of arrayItems(props.get('config.extraConfig'))) {
    const key = text(child(item, 'key'));
    if (!key) continue;
    const value = text(child(item, 'value')) ?? '';
    values.delete(key); // keep the order of the latest write
    values.set(key, value);
  }
  return [...values].filter(([, v]) => v !== '').map(([key, value]) => ({ key, value }));
}

/** Writes extraConfig entries in one ReconfigVM_Task; an empty value removes the key. */
export async function writeExtraConfig(session: VsphereSession, vm: MoRef, entries: readonly ExtraConfigEntry[]): Promise<void> {
  const spec = entries.map((e) => `<extraConfig>${el('key', e.key)}<value xsi:type="xsd:string">${escapeXml(e.value)}</value></extraConfig>`).join('');
  const { body } = await session.invoke('ReconfigVM_Task', vm, `<spec>${spec}</spec>`);
  const task = toRef(body['returnval']);
  if (!task) throw new OutpostError('VCENTER_PROTOCOL', 'ReconfigVM_Task returned no task.');
  await waitForTask(session, task);
}

