import { OutpostError } from '../contract/errors.js';
import { createContainerView, destroyView, readProperties, retrieveAll } from './property-collector.js';
import type { VsphereSession } from './session.js';
import { arrayItems, asArray, child, el, text, type MoRef } from './xml.js';

/** An ESXi host as the networking code needs it: where it sits and its HostNetworkSystem. */
export interface HostRef {
  ref: MoRef;
  name: string;
  /** The cluster's name, or null for a standalone host. */
  cluster: string | null;
  networkSystem: MoRef | null;
}

export interface PhysicalNic {
  key: string;
  device: string;
}

export interface StandardSwitch {
  name: string;
  key: string;
  /** Uplinks by device name (vmnic0), from the bound physical adapters and the bond bridge. */
  uplinks: string[];
  /** Port group names on this switch. */
  portGroups: string[];
}

export interface PortGroup {
  name: string;
  key: string;
  vswitch: string;
  vlanId: number;
}

/** HostNetworkSystem.networkInfo: the parts a standard-switch VLAN workflow reads. */
export interface HostNetworkInfo {
  pnics: PhysicalNic[];
  vswitches: StandardSwitch[];
  portGroups: PortGroup[];
}

/** Every host of the vCenter with its cluster and network system. */
export async function listHosts(session: VsphereSession): Promise<HostRef[]> {
  const view = await createContainerView(session, session.content.rootFolder, ['HostSystem', 'ClusterComputeResource']);
  const hosts: { ref: MoRef; name: string; parent: MoRef | null; networkSystem: MoRef | null }[] = [];
  const clusters = new Map<string, string>();
  try {
    await retrieveAll(
      session,
      view,
      [
        { type: 'HostSystem', paths: ['name', 'parent', 'configManager.networkSystem'] },
        { type: 'ClusterComputeResource', paths: ['name'] },
      ],
      {
        onPage: (objects) => {
          for (const o of objects) {
            const name = o.props.get('name');
            if (typeof name !== 'string') continue;
            if (o.ref.type === 'ClusterComputeResource') clusters.set(o.ref.value, name);
            else if (o.ref.type === 'HostSystem') hosts.push({ ref: o.ref, name, parent: asRef(o.props.get('parent')), networkSystem: asRef(o.props.get('configManager.networkSystem')) });
          }
        },
      },
    );
  } finally {
    await destroyView(session, view).catch(() => undefined);
  }
  return hosts
    .map((h) => ({ ref: h.ref, name: h.name, cluster: h.parent?.type === 'ClusterComputeResource' ? (clusters.get(h.parent.value) ?? null) : null, networkSystem: h.networkSystem }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Reads a host's physical adapters, standard vSwitches and port groups. */
export async function readHostNetwork(session: VsphereSession, networkSystem: MoRef): Promise<HostNetworkInfo> {
  const props = await readProperties(session, networkSystem, ['networkInfo.pnic', 'networkInfo.vswitch', 'networkInfo.portgroup']);
  const pnics = arrayItems(props.get('networkInfo.pnic')).map((n) => ({ key: text(child(n, 'key')) ?? '', device: text(child(n, 'device')) ?? '' }));
  const deviceByKey = new Map(pnics.map((p) => [p.key, p.device]));
  const portGroups: PortGroup[] = arrayItems(props.get('networkInfo.portgroup')).map((n) => {
    const spec = child(n, 'spec');
    const vlan = Number(text(child(spec, 'vlanId')) ?? '0');
    return { name: text(child(spec, 'name')) ?? '', key: text(child(n, 'key')) ?? '', vswitch: text(child(spec, 'vswitchName')) ?? '', vlanId: Number.isFinite(vlan) ? vlan : 0 };
  });
  const pgByKey = new Map(portGroups.map((p) => [p.key, p.name]));
  const vswitches: StandardSwitch[] = arrayItems(props.get('networkInfo.vswitch')).map((n) => {
    const uplinks = new Set<string>();
    for (const key of asArray(child(n, 'pnic'))) {
      const k = text(key) ?? '';
      uplinks.add(deviceByKey.get(k) ?? k.replace(/^key-vim\.host\.PhysicalNic-/, ''));
    }
    for (const device of asArray(child(child(child(n, 'spec'), 'bridge'), 'nicDevice'))) uplinks.add(text(device) ?? '');
    uplinks.delete('');
    const name = text(child(n, 'name')) ?? '';
    const onSwitch = new Set(asArray(child(n, 'portgroup')).map((k) => pgByKey.get(text(k) ?? '') ?? (text(k) ?? '').replace(/^key-vim\.host\.PortGroup-/, '')));
    for (const pg of portGroups) if (pg.vswitch === name) onSwitch.add(pg.name);
    onSwitch.delete('');
    return { name, key: text(child(n, 'key')) ?? '', uplinks: [...uplinks].sort(), portGroups: [...onSwitch].sort() };
  });
  return { pnics, vswitches, portGroups };
}

/** Adds a port group to a standard vSwitch with a VLAN id (policy inherited from the switch). */
export async function addPortGroup(session: VsphereSession, networkSystem: MoRef, spec: { name: string; vswitch: string; vlanId: number }): Promise<void> {
  await session.invoke('AddPortGroup', networkSystem, `<portgrp>${el('name', spec.name)}${el('vlanId', spec.vlanId)}${el('vswitchName', spec.vswitch)}<policy></policy></portgrp>`);
}

export async function removePortGroup(session: VsphereSession, networkSystem: MoRef, name: string): Promise<void> {
  await session.invoke('RemovePortGroup', networkSystem, el('pgName', name));
}

/** Adds a standard vSwitch (tests provoke a port group on the wrong switch with it). */
export async function addVirtualSwitch(session: VsphereSession, networkSystem: MoRef, name: string): Promise<void> {
  await session.invoke('AddVirtualSwitch', networkSystem, `${el('vswitchName', name)}<spec>${el('numPorts', 128)}</spec>`);
}

export function requireNetworkSystem(host: HostRef): MoRef {
  if (!host.networkSystem) throw new OutpostError('VCENTER_PROTOCOL', `Host ${host.name} has no network system (is it disconnected?).`, { host: host.name });
  return host.networkSystem;
}

function asRef(value: unknown): MoRef | null {
  return typeof value === 'object' && value !== null && 'type' in value && 'value' in value ? (value as MoRef) : null;
}

