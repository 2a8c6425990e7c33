import type { MoRef } from '../vsphere/xml.js';

interface TreeNode {
  type: string;
  name: string;
  parent: string | null;
}

/**
 * The containers of a vCenter (folders, datacenters, clusters, compute resources) by moref, so a
 * VM's folder path and an object's datacenter can be computed without asking vCenter again.
 */
export class InventoryTree {
  private readonly nodes = new Map<string, TreeNode>();
  /** Custom attribute names by key (CustomFieldsManager.field): a VM's customValue names only keys. */
  customFields = new Map<string, string>();

  set(ref: MoRef, name: string, parent: MoRef | undefined): void {
    this.nodes.set(ref.value, { type: ref.type, name, parent: parent?.value ?? null });
  }

  remove(moref: string): void {
    this.nodes.delete(moref);
  }

  /** The name of a container (a resource pool's, for VMs), or null when not (yet) known. */
  nameOf(moref: string | null): string | null {
    return moref ? (this.nodes.get(moref)?.name ?? null) : null;
  }

  /** "DC0/vm/prod": the datacenter then the folders down to `parent` (vCenter's root folder omitted). */
  folderPath(parent: string | null): string | null {
    const names: string[] = [];
    let at = parent;
    for (let guard = 0; at && guard < 64; guard++) {
      const node = this.nodes.get(at);
      if (!node) break;
      names.push(node.name);
      if (node.type === 'Datacenter') return names.reverse().join('/');
      at = node.parent;
    }
    return names.length ? names.reverse().join('/') : null;
  }

  /** The datacenter above an object, or null when the chain is not (yet) known. */
  datacenterOf(parent: string | null): string | null {
    let at = parent;
    for (let guard = 0; at && guard < 64; guard++) {
      const node = this.nodes.get(at);
      if (!node) return null;
      if (node.type === 'Datacenter') return at;
      at = node.parent;
    }
    return null;
  }
}
