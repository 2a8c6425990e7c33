import { sql as initial } from './001-initial.js';
import { sql as procedureRunner } from './002-procedure-runner.js';
import { sql as ipam } from './003-ipam.js';
import { sql as nat } from './004-nat.js';
import { sql as preflightLists } from './005-preflight-lists.js';
import { sql as remoteAccess } from './006-remote-access.js';
import { sql as inventory } from './007-inventory.js';
import { sql as enrollment } from './008-enrollment.js';
import { sql as upgrades } from './009-upgrades.js';
import { sql as tasks } from './010-tasks.js';
import { sql as firewallPolicy } from './011-firewall-policy.js';
import { sql as inventoryEvents } from './012-inventory-events.js';
import { sql as cmdbFollow } from './013-cmdb-follow.js';
import { sql as metrics } from './014-metrics.js';
import { sql as estate } from './015-estate.js';
import { sql as vmSearchTrigram } from './016-vm-search-trigram.js';
import { sql as fanoutTemplates } from './017-fanout-templates.js';
import { sql as terminalRecordings } from './018-terminal-recordings.js';
import { sql as teamIdentity } from './019-team-identity.js';
import { sql as inventoryDetails } from './020-inventory-details.js';
import { postgres as vmSearchTextPg, sql as vmSearchText } from './021-vm-search-text.js';
import { sql as upgradeClaims } from './022-upgrade-claims.js';
import { sql as procedureExclusive } from './023-procedure-exclusive.js';
import { auditAppendOnly, before, from, portable, renameEventsKey, vmSearchIndex } from './postgres.js';

export interface Migration {
  /** Becomes PRAGMA user_version once applied; numbers are contiguous from 1. */
  version: number;
  name: string;
  /** SQLite DDL. */
  sql: string;
  /** PostgreSQL DDL, when it is not simply `portable(sql)` (see ./postgres.ts). */
  postgres?: string;
}

/** The DDL a migration runs on PostgreSQL. */
export function postgresSql(m: Migration): string {
  return m.postgres ?? portable(m.sql);
}

/** Ordered list of every migration. A new migration is one file plus one line here. */
export const migrations: readonly Migration[] = [
  { version: 1, name: 'initial', sql: initial, postgres: portable(before(initial, '-- The audit log is append-only')) + auditAppendOnly },
  { version: 2, name: 'procedure-runner', sql: procedureRunner },
  { version: 3, name: 'ipam', sql: ipam },
  { version: 4, name: 'nat', sql: nat },
  { version: 5, name: 'preflight-lists', sql: preflightLists },
  { version: 6, name: 'remote-access', sql: remoteAccess },
  {
    version: 7,
    name: 'inventory',
    sql: inventory,
    postgres: portable(before(inventory, 'CREATE VIRTUAL TABLE inv_vms_fts')) + vmSearchIndex + portable(from(inventory, 'CREATE TABLE inv_events')),
  },
  { version: 8, name: 'enrollment', sql: enrollment },
  { version: 9, name: 'upgrades', sql: upgrades },
  { version: 10, name: 'tasks', sql: tasks },
  { version: 11, name: 'firewall-policy', sql: firewallPolicy },
  { version: 12, name: 'inventory-events', sql: inventoryEvents, postgres: renameEventsKey + portable(inventoryEvents) },
  { version: 13, name: 'cmdb-follow', sql: cmdbFollow },
  { version: 14, name: 'metrics', sql: metrics },
  { version: 15, name: 'estate', sql: estate },
  // PostgreSQL already finds substrings with the pg_trgm index its form of 007 created.
  { version: 16, name: 'vm-search-trigram', sql: vmSearchTrigram, postgres: 'SELECT 1;' },
  { version: 17, name: 'fanout-templates', sql: fanoutTemplates },
  { version: 18, name: 'terminal-recordings', sql: terminalRecordings },
  { version: 19, name: 'team-identity', sql: teamIdentity },
  { version: 20, name: 'inventory-details', sql: inventoryDetails },
  { version: 21, name: 'vm-search-text', sql: vmSearchText, postgres: vmSearchTextPg },
  { version: 22, name: 'upgrade-claims', sql: upgradeClaims },
  { version: 23, name: 'procedure-exclusive', sql: procedureExclusive },
];
