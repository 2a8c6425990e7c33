import type { X509Certificate } from 'node:crypto';
import type { AuditLog } from '../audit/audit-log.js';
import { OutpostError } from '../contract/errors.js';
import type { Db } from '../db/database.js';
import { describeCertificate, type CertificateInfo } from './certificate-info.js';

export interface TrustedCa {
  fingerprint256: string;
  subject: string;
  addedAt: string;
  addedBy: string;
  pem: string;
}

/**
 * Outpost's own trust store: CAs the operator imported, honoured for vCenter (and WinRM) TLS next
 * to the system's. Only CAs (or self-signed certificates, which are their own anchor) go in.
 */
/** The PEM of every CA the operator imported into Outpost's trust store (vCenter, WinRM, consoles). */
export function trustedCaPems(db: Db): string[] {
  return (db.prepare('SELECT pem FROM trusted_cas ORDER BY id').all() as { pem: string }[]).map((r) => r.pem);
}

export class TrustStore {
  constructor(
    private readonly db: Db,
    private readonly audit: AuditLog,
  ) {}

  /** Adds each CA once (by fingerprint); returns what was added and what was already there. */
  import(certs: X509Certificate[], actor: string): { added: CertificateInfo[]; alreadyTrusted: CertificateInfo[] } {
    const infos = certs.map((c) => describeCertificate(c));
    const refused = infos.filter((i) => !i.isCA && !i.selfSigned);
    if (refused.length) {
      throw new OutpostError('CERT_INVALID', `Not a CA: ${refused.map((r) => r.subject).join('; ')}. Import the issuing CA instead (cert fetch shows the chain).`, {
        notCa: refused.map((r) => r.fingerprint256),
      });
    }
    const added: CertificateInfo[] = [];
    const alreadyTrusted: CertificateInfo[] = [];
    const insert = this.db.prepare('INSERT OR IGNORE INTO trusted_cas (fingerprint, subject, pem, added_at, added_by) VALUES (?, ?, ?, ?, ?)');
    this.db.transaction(() => {
      for (const info of infos) {
        const r = insert.run(info.fingerprint256, info.subject, info.pem, new Date().toISOString(), actor);
        if (r.changes) {
          added.push(info);
          this.audit.append({ actor, action: 'trust.import', target: info.subject, details: { fingerprint: info.fingerprint256, validTo: info.validTo } });
        } else {
          alreadyTrusted.push(info);
        }
      }
    })();
    return { added, alreadyTrusted };
  }

  list(): TrustedCa[] {
    return (this.db.prepare('SELECT fingerprint, subject, pem, added_at, added_by FROM trusted_cas ORDER BY subject').all() as {
      fingerprint: string;
      subject: string;
      pem: string;
      added_at: string;
      added_by: string;
    }[]).map((r) => ({ fingerprint256: r.fingerprint, subject: r.subject, pem: r.pem, addedAt: r.added_at, addedBy: r.added_by }));
  }

  remove(fingerprint: string, actor: string): boolean {
    const row = this.db.prepare('SELECT subject FROM trusted_cas WHERE fingerprint = ?').get(fingerprint) as { subject: string } | undefined;
    if (!row) return false;
    this.db.prepare('DELETE FROM trusted_cas WHERE fingerprint = ?').run(fingerprint);
    this.audit.append({ actor, action: 'trust.remove', target: row.subject, details: { fingerprint } });
    return true;
  }
}
