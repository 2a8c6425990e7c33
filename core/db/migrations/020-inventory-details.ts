/**
 * RVTools-grade inventory: what operators read daily per VM (disks, NICs, snapshots, custom
 * attributes, resource pool, usage, uptime, Tools version) and per host and datastore (capacity
 * and usage). Per-VM lists (disks, NICs, snapshots, custom attributes) are JSON text on the VM
 * row: they are always read and written with their VM, a full sync upserts one row per VM (a child
 * table would multiply the writes of a 10,000-VM sync), and the vDisk / vNetwork / vSnapshot views
 * expand them while exporting. Byte counts are BIGINT (64-bit in PostgreSQL too).
 */
export const sql = /* sql */ `
ALTER TABLE inv_vms ADD COLUMN resource_pool TEXT;
ALTER TABLE inv_vms ADD COLUMN hw_version TEXT;
ALTER TABLE inv_vms ADD COLUMN tools_version TEXT;
ALTER TABLE inv_vms ADD COLUMN tools_version_status TEXT;
ALTER TABLE inv_vms ADD COLUMN cpu_usage_mhz INTEGER;
ALTER TABLE inv_vms ADD COLUMN guest_memory_usage_mb INTEGER;
ALTER TABLE inv_vms ADD COLUMN host_memory_usage_mb INTEGER;
ALTER TABLE inv_vms ADD COLUMN uptime_seconds INTEGER;
ALTER TABLE inv_vms ADD COLUMN boot_time TEXT;
ALTER TABLE inv_vms ADD COLUMN provisioned_bytes BIGINT;
ALTER TABLE inv_vms ADD COLUMN used_bytes BIGINT;
ALTER TABLE inv_vms ADD COLUMN disk_count INTEGER;
ALTER TABLE inv_vms ADD COLUMN disk_capacity_bytes BIGINT;
ALTER TABLE inv_vms ADD COLUMN nic_count INTEGER;
ALTER TABLE inv_vms ADD COLUMN snapshot_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE inv_vms ADD COLUMN snapshot_oldest TEXT;
ALTER TABLE inv_vms ADD COLUMN disks TEXT NOT NULL DEFAULT '[]';             -- JSON: [{key,label,capacityBytes,datastore,fileName,thin,mode}]
ALTER TABLE inv_vms ADD COLUMN nics TEXT NOT NULL DEFAULT '[]';              -- JSON: [{key,label,adapter,network,mac,connected,startConnected,ips}]
ALTER TABLE inv_vms ADD COLUMN snapshots TEXT NOT NULL DEFAULT '[]';         -- JSON: [{name,description,createdAt,state,current}]
ALTER TABLE inv_vms ADD COLUMN custom_attributes TEXT NOT NULL DEFAULT '{}'; -- JSON: {name: value}

ALTER TABLE inv_hosts ADD COLUMN cpu_model TEXT;
ALTER TABLE inv_hosts ADD COLUMN cpu_cores INTEGER;
ALTER TABLE inv_hosts ADD COLUMN cpu_mhz INTEGER;                            -- per core
ALTER TABLE inv_hosts ADD COLUMN memory_bytes BIGINT;
ALTER TABLE inv_hosts ADD COLUMN cpu_usage_mhz INTEGER;
ALTER TABLE inv_hosts ADD COLUMN memory_usage_mb INTEGER;
ALTER TABLE inv_hosts ADD COLUMN uptime_seconds INTEGER;

ALTER TABLE inv_datastores ADD COLUMN uncommitted_bytes BIGINT;
ALTER TABLE inv_datastores ADD COLUMN url TEXT;
`;
