// "Another operator" for the inventory tests: a second vCenter session that changes things behind
// the watcher's back (power, create, destroy, terminate sessions). Built on Outpost's client but
// on its own session, as a second vSphere Client would be.
import { createContainerView, destroyView, readProperties, retrieveAll } from '../../core/vsphere/property-collector.js';
import { VsphereSession } from '../../core/vsphere/session.js';
import { waitForTask } from '../../core/vsphere/tasks.js';
import { changePower, type PowerAction } from '../../core/vsphere/vm-power.js';
import { child, el, refEl, text, toRef, typedEl, type MoRef } from '../../core/vsphere/xml.js';
import type { VcsimInfo } from './vcsim.js';

export class VsphereOperator {
  private constructor(readonly session: VsphereSession) {}

  static async connect(vc: Pick<VcsimInfo, 'url' | 'username' | 'password' | 'fingerprint'>): Promise<VsphereOperator> {
    return new VsphereOperator(await VsphereSession.connect({ url: vc.url, username: vc.username, password: vc.password, trust: { pinnedFingerprint: vc.fingerprint, trustedCas: [] } }));
  }

  power(moref: string, action: PowerAction): Promise<string> {
    return changePower(this.session, { type: 'VirtualMachine', value: moref }, action);
  }

  /** Creates a powered-off VM in the datacenter's VM folder on the cluster's root pool. */
  async createVm(name: string, datacenter: string, cluster: string): Promise<MoRef> {
    const dc = await readProperties(this.session, { type: 'Datacenter', value: datacenter }, ['vmFolder']);
    const cl = await readProperties(this.session, { type: 'ClusterComputeResource', value: cluster }, ['resourcePool']);
    const folder = dc.get('vmFolder') as MoRef;
    const pool = cl.get('resourcePool') as MoRef;
    const config = `<config>${el('name', name)}${el('guestId', 'otherGuest')}<files>${el('vmPathName', '[LocalDS_0]')}</files>${el('numCPUs', 1)}${el('memoryMB', 128)}</config>`;
    const { body } = await this.session.invoke('CreateVM_Task', folder, config + refEl('pool', pool));
    const task = toRef(body['returnval']);
    if (!task) throw new Error('CreateVM_Task returned no task');
    return (await waitForTask(this.session, task)) as MoRef;
  }

  async destroyVm(moref: string): Promise<void> {
    const { body } = await this.session.invoke('Destroy_Task', { type: 'VirtualMachine', value: moref });
    const task = toRef(body['returnval']);
    if (!task) throw new Error('Destroy_Task returned no task');
    await waitForTask(this.session, task);
  }

  /** Renames a VM (Rename_Task; the launcher posts the VmRenamedEvent vCenter would). */
  async renameVm(moref: string, name: string): Promise<void> {
    const { body } = await this.session.invoke('Rename_Task', { type: 'VirtualMachine', value: moref }, el('newName', name));
    const task = toRef(body['returnval']);
    if (!task) throw new Error('Rename_Task returned no task');
    await waitForTask(this.session, task);
  }

  private async task(method: string, ref: MoRef, body: string): Promise<unknown> {
    const r = await this.session.invoke(method, ref, body);
    const task = toRef(r.body['returnval']);
    if (!task) throw new Error(`${method} returned no task`);
    return await waitForTask(this.session, task);
  }

  /** ReconfigVM_Task with a VirtualMachineConfigSpec's inner XML. */
  async reconfigure(moref: string, spec: string): Promise<void> {
    await this.task('ReconfigVM_Task', { type: 'VirtualMachine', value: moref }, `<spec>${spec}</spec>`);
  }

  setCpuMemory(moref: string, numCpu: number, memoryMB: number): Promise<void> {
    return this.reconfigure(moref, el('numCPUs', numCpu) + el('memoryMB', memoryMB));
  }

  /** Adds a thin disk of `kb` KiB on the VM's SCSI controller (key 1000) at `unit`. */
  addDisk(moref: string, kb: number, unit: number): Promise<void> {
    const backing = typedEl('backing', 'VirtualDiskFlatVer2BackingInfo', el('fileName', '') + el('diskMode', 'persistent') + el('thinProvisioned', true));
    const device = typedEl('device', 'VirtualDisk', el('key', -1) + backing + el('controllerKey', 1000) + el('unitNumber', unit) + el('capacityInKB', kb));
    return this.reconfigure(moref, `<deviceChange>${el('operation', 'add')}${el('fileOperation', 'create')}${device}</deviceChange>`);
  }

  /** Adds an E1000 NIC backed by a standard port group. */
  addNic(moref: string, network: string): Promise<void> {
    const backing = typedEl('backing', 'VirtualEthernetCardNetworkBackingInfo', el('deviceName', network));
    const device = typedEl('device', 'VirtualE1000', el('key', -2) + backing + `<connectable>${el('startConnected', true)}${el('allowGuestControl', true)}${el('connected', true)}</connectable>` + el('addressType', 'generated'));
    return this.reconfigure(moref, `<deviceChange>${el('operation', 'add')}${device}</deviceChange>`);
  }

  async snapshot(moref: string, name: string): Promise<void> {
    await this.task('CreateSnapshot_Task', { type: 'VirtualMachine', value: moref }, el('name', name) + el('description', `made by a test`) + el('memory', false) + el('quiesce', false));
  }

  /** Defines a custom attribute for VMs (CustomFieldsManager.AddCustomFieldDef); returns its key. */
  async addCustomField(name: string): Promise<number> {
    const manager = this.session.content.customFieldsManager;
    if (!manager) throw new Error('no CustomFieldsManager');
    const { body } = await this.session.invoke('AddCustomFieldDef', manager, el('name', name) + el('moType', 'VirtualMachine'));
    return Number(text(child(body['returnval'], 'key')));
  }

  async setCustomField(moref: string, key: number, value: string): Promise<void> {
    const manager = this.session.content.customFieldsManager;
    if (!manager) throw new Error('no CustomFieldsManager');
    await this.session.invoke('SetField', manager, refEl('entity', { type: 'VirtualMachine', value: moref }) + el('key', key) + el('value', value));
  }

  /** The moref of the VM with this name. */
  async vmNamed(name: string): Promise<string> {
    const view = await createContainerView(this.session, this.session.content.rootFolder, ['VirtualMachine']);
    let found: string | null = null;
    try {
      await retrieveAll(this.session, view, [{ type: 'VirtualMachine', paths: ['name'] }], {
        pageSize: 1000,
        onPage: (objects) => {
          for (const o of objects) if (o.props.get('name') === name) found = o.ref.value;
        },
      });
    } finally {
      await destroyView(this.session, view).catch(() => undefined);
    }
    if (!found) throw new Error(`no VM named ${name}`);
    return found;
  }

  async terminateSession(key: string): Promise<void> {
    await this.session.invoke('TerminateSession', this.session.content.sessionManager, el('sessionId', key));
  }

  close(): Promise<void> {
    return this.session.logout();
  }
}
