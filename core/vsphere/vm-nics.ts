import { OutpostError } from '../contract/errors.js';
import { readProperties } from './property-collector.js';
import type { VsphereSession } from './session.js';
import { waitForTask } from './tasks.js';
import { arrayItems, child, el, escapeXml, refEl, text, toRef, xsiType, type MoRef, type XmlValue } from './xml.js';

/** What a virtual NIC is plugged into: a standard port group (a Network), a distributed port group, or something else (NSX, SR-IOV passthrough). */
export type NicBacking =
  | { kind: 'network'; name: string; network: MoRef | null }
  | { kind: 'dvportgroup'; switchUuid: string; portgroupKey: string }
  | { kind: 'other'; type: string };

/** One virtual NIC as config.hardware.device carries it (the fields an edit must send back). */
export interface VmNic {
  key: number;
  /** The device's xsi:type, e.g. VirtualVmxnet3, VirtualE1000e. */
  type: string;
  label: string;
  summary: string;
  macAddress: string | null;
  addressType: string | null;
  connected: boolean;
  startConnected: boolean;
  allowGuestControl: boolean;
  controllerKey: number | null;
  unitNumber: number | null;
  wakeOnLanEnabled: boolean | null;
  backing: NicBacking;
}

/** A network a VM on some host may be connected to, with the backing that reaches it. */
export interface HostNetworkChoice {
  ref: MoRef;
  name: string;
  backing: NicBacking;
}

const ETHERNET_TYPES = new Set(['VirtualVmxnet3', 'VirtualVmxnet3Vrdma', 'VirtualVmxnet2', 'VirtualVmxnet', 'VirtualE1000', 'VirtualE1000e', 'VirtualPCNet32', 'VirtualSriovEthernetCard']);

const num = (v: XmlValue | undefined): number | null => {
  const t = text(v);
  if (t === undefined || t === '') return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
};
const bool = (v: XmlValue | undefined): boolean | null => {
  const t = text(v);
  return t === undefined ? null : t === 'true';
};

/** A decoded property value that is a managed object reference. */
const asMoRef = (v: unknown): MoRef | undefined => (typeof v === 'object' && v !== null && 'type' in v && 'value' in v && typeof v.type === 'string' && typeof v.value === 'string' ? { type: v.type, value: v.value } : undefined);

function decodeBacking(node: XmlValue | undefined): NicBacking {
  const type = xsiType(node) ?? '';
  if (type === 'VirtualEthernetCardNetworkBackingInfo') return { kind: 'network', name: text(child(node, 'deviceName')) ?? '', network: toRef(child(node, 'network')) ?? null };
  if (type === 'VirtualEthernetCardDistributedVirtualPortBackingInfo') {
    const port = child(node, 'port');
    return { kind: 'dvportgroup', switchUuid: text(child(port, 'switchUuid')) ?? '', portgroupKey: text(child(port, 'portgroupKey')) ?? '' };
  }
  return { kind: 'other', type: type || 'none' };
}

/** The virtual NICs of a VM (in device order) and the host it runs on. */
export async function readVmNics(session: VsphereSession, vm: MoRef): Promise<{ host: MoRef | null; nics: VmNic[] }> {
  const props = await readProperties(session, vm, ['config.hardware.device', 'runtime.host']);
  if (props.size === 0) throw new OutpostError('NOT_FOUND', `VM ${vm.value} is gone from vCenter.`, { vm: vm.value });
  const nics: VmNic[] = [];
  for (const d of arrayItems(props.get('config.hardware.device'))) {
    const type = xsiType(d) ?? '';
    if (!ETHERNET_TYPES.has(type)) continue;
    const connectable = child(d, 'connectable');
    nics.push({
      key: num(child(d, 'key')) ?? 0,
      type,
      label: text(child(child(d, 'deviceInfo'), 'label')) ?? '',
      summary: text(child(child(d, 'deviceInfo'), 'summary')) ?? '',
      macAddress: text(child(d, 'macAddress')) || null,
      addressType: text(child(d, 'addressType')) || null,
      connected: bool(child(connectable, 'connected')) ?? false,
      startConnected: bool(child(connectable, 'startConnected')) ?? false,
      allowGuestControl: bool(child(connectable, 'allowGuestControl')) ?? false,
      controllerKey: num(child(d, 'controllerKey')),
      unitNumber: num(child(d, 'unitNumber')),
      wakeOnLanEnabled: bool(child(d, 'wakeOnLanEnabled')),
      backing: decodeBacking(child(d, 'backing')),
    });
  }
  return { host: asMoRef(props.get('runtime.host')) ?? null, nics };
}

/**
 * The networks of a host (its `network` property: standard port groups and distributed port
 * groups of the switches it is a member of), each with the backing a NIC needs to use it.
 */
export async function hostNetworkChoices(session: VsphereSession, host: MoRef): Promise<HostNetworkChoice[]> {
  const props = await readProperties(session, host, ['network']);
  const listed = props.get('network');
  const refs = (Array.isArray(listed) ? listed : []).map(asMoRef).filter((r): r is MoRef => r !== undefined);
  const switchUuids = new Map<string, string>();
  const out: HostNetworkChoice[] = [];
  for (const ref of refs) {
    if (ref.type === 'Network') {
      const p = await readProperties(session, ref, ['name']);
      const name = p.get('name');
      if (typeof name === 'string') out.push({ ref, name, backing: { kind: 'network', name, network: ref } });
    } else if (ref.type === 'DistributedVirtualPortgroup') {
      const p = await readProperties(session, ref, ['name', 'key', 'config.distributedVirtualSwitch']);
      const name = p.get('name');
      const dvs = asMoRef(p.get('config.distributedVirtualSwitch'));
      if (typeof name !== 'string' || !dvs) continue;
      let uuid = switchUuids.get(dvs.value);
      if (uuid === undefined) {
        const s = await readProperties(session, dvs, ['uuid']);
        const u = s.get('uuid');
        uuid = typeof u === 'string' ? u : '';
        switchUuids.set(dvs.value, uuid);
      }
      const key = p.get('key');
      out.push({ ref, name, backing: { kind: 'dvportgroup', switchUuid: uuid, portgroupKey: typeof key === 'string' ? key : ref.value } });
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}


/** Whether a NIC's backing is the network a choice stands for. */
export function sameBacking(a: NicBacking, b: NicBacking): boolean {
  if (a.kind === 'network' && b.kind === 'network') return a.network && b.network ? a.network.value === b.network.value : a.name === b.name;
  if (a.kind === 'dvportgroup' && b.kind === 'dvportgroup') return a.portgroupKey === b.portgroupKey && a.switchUuid === b.switchUuid;
  return false;
}

function backingXml(b: NicBacking): string {
  if (b.kind === 'network') return `<backing xsi:type="VirtualEthernetCardNetworkBackingInfo">${el('deviceName', b.name)}${b.network ? refEl('network', b.network) : ''}</backing>`;
  if (b.kind === 'dvportgroup') return `<backing xsi:type="VirtualEthernetCardDistributedVirtualPortBackingInfo"><port>${el('switchUuid', b.switchUuid)}${el('portgroupKey', b.portgroupKey)}</port></backing>`;
  throw new OutpostError('VALIDATION', `A NIC cannot be put back on a ${b.type} backing by Outpost; change it in vCenter.`);
}

// vCenter regenerates the summary; vcsim needs the element to be there at all.
const deviceInfoXml = (label: string, summary: string): string => `<deviceInfo>${el('label', label)}${el('summary', summary)}</deviceInfo>`;
const backingSummary = (b: NicBacking): string => (b.kind === 'network' ? b.name : b.kind === 'dvportgroup' ? b.portgroupKey : b.type);

const connectableXml = (c: { startConnected: boolean; allowGuestControl: boolean; connected: boolean }): string =>
  `<connectable>${el('startConnected', c.startConnected)}${el('allowGuestControl', c.allowGuestControl)}${el('connected', c.connected)}</connectable>`;

/** The whole device as read, with a new backing: an edit sends the device back, not a diff (WSDL element order). */
function editedNicXml(nic: VmNic, backing: NicBacking): string {
  if (!ETHERNET_TYPES.has(nic.type)) throw new OutpostError('VALIDATION', `Device ${nic.key} is not a network adapter.`);
  return (
    `<device xsi:type="${escapeXml(nic.type)}">${el('key', nic.key)}${deviceInfoXml(nic.label, backingSummary(backing))}${backingXml(backing)}${connectableXml(nic)}` +
    `${nic.controllerKey !== null ? el('controllerKey', nic.controllerKey) : ''}${nic.unitNumber !== null ? el('unitNumber', nic.unitNumber) : ''}` +
    `${nic.addressType ? el('addressType', nic.addressType) : ''}${nic.macAddress ? el('macAddress', nic.macAddress) : ''}${nic.wakeOnLanEnabled !== null ? el('wakeOnLanEnabled', nic.wakeOnLanEnabled) : ''}</device>`
  );
}

export type NicChange = { op: 'edit'; nic: VmNic; backing: NicBacking } | { op: 'add'; backing: NicBacking } | { op: 'remove'; nic: VmNic };

function changeXml(c: NicChange): string {
  if (c.op === 'edit') return `<deviceChange>${el('operation', 'edit')}${editedNicXml(c.nic, c.backing)}</deviceChange>`;
  if (c.op === 'remove') return `<deviceChange>${el('operation', 'remove')}${editedNicXml(c.nic, c.nic.backing)}</deviceChange>`;
  // A new vmxnet3 adapter, connected now and at power-on, with a MAC vCenter generates.
  return `<deviceChange>${el('operation', 'add')}<device xsi:type="VirtualVmxnet3">${el('key', -100)}${deviceInfoXml('', backingSummary(c.backing))}${backingXml(c.backing)}${connectableXml({ startConnected: true, allowGuestControl: true, connected: true })}${el('addressType', 'generated')}</device></deviceChange>`;
}

/** One ReconfigVM_Task with one device change, followed to its end (a failed task is VCENTER_FAULT). */
export async function reconfigureNic(session: VsphereSession, vm: MoRef, change: NicChange): Promise<void> {
  const { body } = await session.invoke('ReconfigVM_Task', vm, `<spec>${changeXml(change)}</spec>`);
  const task = toRef(body['returnval']);
  if (!task) throw new OutpostError('VCENTER_PROTOCOL', 'ReconfigVM_Task returned no task.');
  await waitForTask(session, task);
}
