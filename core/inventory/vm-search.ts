import type { CommandParsedInput } from '../contract/commands.js';
import type { VmSummary } from '../contract/inventory-commands.js';
import type { Db } from '../db/database.js';

interface VmListRow {
  site: string;
  moref: string;
  name: string;
  uuid: string | null;
  instance_uuid: string | null;
  power_state: string | null;
  guest_id: string | null;
  guest_full_name: string | null;
  ip_address: string | null;
  ip_addresses: string;
  guest_hostname: string | null;
  tools_running_status: string | null;
  host: string | null;
  num_cpu: number | null;
  memory_mb: number | null;
  annotation: string | null;
  folder_path: string | null;
  updated_at: string;
  removed_at: string | null;
}

/**
 * An FTS5 query from what the operator typed: every word must match, as a prefix, anywhere in
 * name, addresses, host name or guest OS. Words are quoted, so FTS syntax in the input is text.
 */
export function ftsQuery(input: string): string | null {
  const terms = input
    .split(/\s+/)
    .map((t) => t.trim())
    .filter((t) => /[\p{L}\p{N}]/u.test(t))
    .map((t) => `"${t.replace(/"/g, '""')}"*`);
  return terms.length ? terms.join(' ') : null;
}

export function searchVms(db: Db, q: CommandParsedInput<'vms.list'>): VmSummary[] {
  const match = q.query ? ftsQuery(q.query) : null;
  const rows = db
    .prepare(
      `SELECT s.name AS site, v.moref, v.name, v.uuid, v.instance_uuid, v.power_state, v.guest_id, v.guest_full_name,
              v.ip_address, v.ip_addresses, v.guest_hostname, v.tools_running_status, h.name AS host, v.num_cpu,
              v.memory_mb, v.annotation, v.folder_path, v.updated_at, v.removed_at
       FROM inv_vms v
       JOIN sites s ON s.id = v.site_id
       LEFT JOIN inv_hosts h ON h.site_id = v.site_id AND h.moref = v.host_moref
       WHERE (@site IS NULL OR s.name = @site)
         AND (@all = 1 OR v.removed_at IS NULL)
         AND (@power IS NULL OR v.power_state = @power)
         ${match ? 'AND v.id IN (SELECT rowid FROM inv_vms_fts WHERE inv_vms_fts MATCH @match)' : ''}
       ORDER BY v.name, s.name
       LIMIT @limit`,
    )
    .all({ site: q.site ?? null, all: q.includeRemoved ? 1 : 0, power: q.powerState ?? null, limit: q.limit, ...(match ? { match } : {}) }) as VmListRow[];
  return rows.map((r) => ({
    site: r.site,
    moref: r.moref,
    name: r.name,
    uuid: r.uuid,
    instanceUuid: r.instance_uuid,
    powerState: r.power_state,
    guestId: r.guest_id,
    guestFullName: r.guest_full_name,
    ipAddress: r.ip_address,
    ipAddresses: r.ip_addresses ? r.ip_addresses.split(' ') : [],
    hostName: r.guest_hostname,
    toolsRunningStatus: r.tools_running_status,
    host: r.host,
    numCpu: r.num_cpu,
    memoryMB: r.memory_mb,
    annotation: r.annotation,
    folderPath: r.folder_path,
    updatedAt: r.updated_at,
    removedAt: r.removed_at,
  }));
}
