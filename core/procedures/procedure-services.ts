import type { AuditLog } from '../audit/audit-log.js';
import type { Sql } from '../db/sql.js';
import { Ipam } from '../ipam/ipam.js';
import { NatService } from '../nat/nat-service.js';
import type { HostUpgradeOperations } from '../upgrades/host-operations.js';
import type { EnrollmentService } from '../enrollment/enrollment-service.js';
import type { VlanService } from '../networking/vlan-service.js';

/** The core services a procedure's steps may use; the engine hands them to every step. */
export interface ProcedureServices {
  audit: AuditLog;
  ipam: Ipam;
  nat: NatService;
  /** vCenter, SSH and Ansible for host upgrades (the core wires it; bare test runners may leave it out). */
  upgrades?: HostUpgradeOperations;
  /** Enrollment (vCenter, guests, CMDB): present where the core wires it (the app, the host, the CLI). */
  enrollment?: EnrollmentService;
  /** vCenter VLAN work (the app, host and CLI have it; a bare engine does not). */
  vlan?: VlanService;
}

/** The services over one store (the core builds them once; tests and child runners use this). */
export function procedureServices(db: Sql, audit: AuditLog): ProcedureServices {
  return { audit, ipam: new Ipam(db, audit), nat: new NatService(db, audit) };
}
