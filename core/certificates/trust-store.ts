// Owns tables: trusted_cas.
import type { X509Certificate } from 'node:crypto';
import type { AuditLog } from '../audit/audit-log.js';
import { OutpostError } from '../contract/errors.js';
import { z } from 'zod';
import type { Sql } from '../db/sql.js';
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
export async function trustedCaPems(db: Sql): Promise<string[]> {
  return (await db.all('SELECT pem FROM trusted_cas ORDER BY id', [], z.object({ pem: z.string() }))).map((r) => r.pem);
}

const caRow = z.object({ fingerprint: z.string(), subject: z.string(), pem: z.string(), added_at: z.string(), added_by: z.string() });

export class TrustStore {
  constructor(
    private readonly db: Sql,
    private readonly audit: AuditLog,
  ) {}

  /** Adds each CA once (by fingerprint); returns what was added and what was already there. */
  async import(certs: X509Certificate[], actor: string): Promise<{ added: CertificateInfo[]; alreadyTrusted: CertificateInfo[] }> {
    const infos = certs.map((c) => describeCertificate(c));
    const refused = infos.filter((i) => !i.isCA && !i.selfSigned);
    if (refused.length) {
      throw new OutpostError('CERT_INVALID', `Not a CA: ${refused.map((r) => r.subject).join('; ')}. Import the issuing CA instead (cert fetch shows the chain).`, {
        notCa: refused.map((r) => r.fingerprint256),
      });
    }
    const added: CertificateInfo[] = [];
    const alreadyTrusted: CertificateInfo[] = [];
    await this.db.transaction(async (tx) => {
      for (const info of infos) {
        const r = await tx.run('INSERT INTO trusted_cas (fingerprint, subject, pem, added_at, added_by) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING', [
          info.fingerprint256,
          info.subject,
          info.pem,
          new Date().toISOString(),
          actor,
        ]);
        if (r.changes) {
          added.push(info);
          await this.audit.append({ actor, action: 'trust.import', target: info.subject, details: { fingerprint: info.fingerprint256, validTo: info.validTo } });
        } else {
          alreadyTrusted.push(info);
        }
      }
    });
    return { added, alreadyTrusted };
  }

  /** The PEM of every imported CA, to add to the system's for a TLS connection. */
  async pems(): Promise<string[]> {
    return await trustedCaPems(this.db);
  }

  async list(): Promise<TrustedCa[]> {
    return (await this.db.all('SELECT fingerprint, subject, pem, added_at, added_by FROM trusted_cas ORDER BY subject', [], caRow)).map((r) => ({ fingerprint256: r.fingerprint, subject: r.subject, pem: r.pem, addedAt: r.added_at, addedBy: r.added_by }));
  }

  async remove(fingerprint: string, actor: string): Promise<boolean> {
    const row = await this.db.get('SELECT subject FROM trusted_cas WHERE fingerprint = ?', [fingerprint], z.object({ subject: z.string() }));
    if (!row) return false;
    await this.db.run('DELETE FROM trusted_cas WHERE fingerprint = ?', [fingerprint]);
    await this.audit.append({ actor, action: 'trust.remove', target: row.subject, details: { fingerprint } });
    return true;
  }
}
