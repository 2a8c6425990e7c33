import { z } from 'zod';
import type { CommandSpec } from './command-spec.js';

export const certificateInfoSchema = z.object({
  subject: z.string(),
  issuer: z.string(),
  serialNumber: z.string(),
  fingerprint256: z.string(),
  validFrom: z.string(),
  validTo: z.string(),
  subjectAltNames: z.array(z.string()),
  keyUsage: z.array(z.string()),
  isCA: z.boolean(),
  selfSigned: z.boolean(),
  warnings: z.array(z.enum(['expired', 'not-yet-valid', 'not-a-ca', 'expires-soon'])),
  pem: z.string(),
});
export type CertificateInfoView = z.infer<typeof certificateInfoSchema>;

/**
 * The largest certificate file Outpost reads. Its base64, the file name and a passphrase fit in
 * one host message (MAX_CLIENT_MESSAGE_BYTES, 1 MiB) with room to spare; real chains and PKCS#12
 * bundles are a few KB, a full CA bundle a few hundred.
 */
export const MAX_CERTIFICATE_FILE_BYTES = 750_000;
const MAX_CERTIFICATE_BASE64 = Math.ceil(MAX_CERTIFICATE_FILE_BYTES / 3) * 4;

export const certificateCommands = {
  'certificates.inspect': {
    summary: 'What a certificate file holds (PEM, DER, PKCS#7, PKCS#12), leaf first',
    input: z
      .object({
        /** The file's bytes, base64 (the renderer reads the file the operator picked). */
        contentBase64: z
          .string()
          .min(1)
          .max(MAX_CERTIFICATE_BASE64, `Outpost reads certificate files up to ${MAX_CERTIFICATE_FILE_BYTES / 1000} KB; this one is larger. Pick the certificate or chain alone.`),
        fileName: z.string().max(255).optional(),
        /** PKCS#12 only; used for this read and never stored. */
        passphrase: z.string().max(1024).optional(),
      })
      .strict(),
    output: z.object({ format: z.enum(['pem', 'der', 'pkcs7', 'pkcs12']), privateKeysIgnored: z.number().int(), certificates: z.array(certificateInfoSchema) }),
  },
  'certificates.fetch': {
    summary: "A server's certificate chain, read by TLS handshake (nothing is trusted by this)",
    input: z.object({ host: z.string().trim().min(1).max(253), port: z.number().int().min(1).max(65535), timeoutMs: z.number().int().min(100).max(60_000).default(5000) }).strict(),
    output: z.object({ certificates: z.array(certificateInfoSchema), authorized: z.boolean(), authorizationError: z.string().nullable() }),
  },
  'certificates.trust': {
    summary: "Trust a CA (PEM) for Outpost's own TLS (vCenter, WinRM), next to the system's CAs",
    input: z.object({ pem: z.string().min(50).max(100_000) }).strict(),
    output: z.object({ fingerprint256: z.string(), added: z.boolean() }),
  },
  'certificates.trusted': {
    summary: "CAs in Outpost's trust store",
    input: z.object({}).strict(),
    output: z.array(z.object({ fingerprint256: z.string(), subject: z.string(), addedAt: z.string(), addedBy: z.string() })),
  },
  'certificates.untrust': {
    summary: 'Stop trusting an imported CA',
    input: z.object({ fingerprint256: z.string().min(64).max(100) }).strict(),
    output: z.object({ removed: z.boolean() }),
  },
} as const satisfies Record<string, CommandSpec>;
