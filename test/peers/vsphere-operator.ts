// "Another operator" for the inventory tests: a second vCenter session that changes things behind
// the watcher's back (power, create, destroy, terminate sessions). Built on Outpost's client but
// on its own session, as a second vSphere Client would be.
import { readProperties } from '../../core/vsphere/property-collector.js';
import { VsphereSession } from '../../core/vsphere/session.js';
import { waitForTask } from '../../core/vsphere/tasks.js';
import { changePower, type PowerAction } from '../../core/vsphere/vm-power.js';
import { el, refEl, toRef, type MoRef } from '../../core/vsphere/xml.js';
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

  async terminateSession(key: string): Promise<void> {
    await this.session.invoke('TerminateSession', this.session.content.sessionManager, el('sessionId', key));
  }

  close(): Promise<void> {
    return this.session.logout();
  }
}
