import { OutpostError } from '../contract/errors.js';
import type { NtlmSecurityContext } from './ntlm-session.js';

/**
 * WinRM message encryption on the wire (MS-WSMV 2.2.9.1.1, "Negotiate Encrypted Message"): the
 * sealed SOAP message travels in a multipart/encrypted body whose first part names the original
 * content type and length, and whose second part is a 4-byte little-endian signature length, the
 * NTLM signature and the sealed bytes. Bodies of several such pairs, each sealing at most 16 KB,
 * use multipart/x-multi-encrypted; this decoder reads both.
 */

export const SPNEGO_ENCRYPTED = 'application/HTTP-SPNEGO-session-encrypted';
export const ENCRYPTED_CHUNK = 16 * 1024;
const BOUNDARY = 'Encrypted Boundary';
const ORIGINAL_TYPE = 'application/soap+xml;charset=UTF-8';

export const encryptedContentType = (multi: boolean): string => `multipart/${multi ? 'x-multi-encrypted' : 'encrypted'};protocol="${SPNEGO_ENCRYPTED}";boundary="${BOUNDARY}"`;

export function isEncryptedContentType(contentType: string | undefined): boolean {
  return !!contentType && /^multipart\/(?:x-multi-)?encrypted\b/i.test(contentType.trim()) && contentType.includes(SPNEGO_ENCRYPTED);
}

/**
 * Seals `plaintext` with the context and frames it. Without `chunkSize` the whole message is one
 * sealed part (what Windows and pywinrm use for Negotiate); with it, parts of at most that size.
 */
export function encodeEncryptedBody(ctx: NtlmSecurityContext, plaintext: Buffer, chunkSize?: number): { body: Buffer; contentType: string } {
  const size = chunkSize && plaintext.length > chunkSize ? chunkSize : Math.max(plaintext.length, 1);
  const parts: Buffer[] = [];
  for (let at = 0; at < plaintext.length || at === 0; at += size) {
    const piece = plaintext.subarray(at, at + size);
    const { sealed, signature } = ctx.wrap(piece);
    const length = Buffer.alloc(4);
    length.writeUInt32LE(signature.length);
    parts.push(
      Buffer.from(`--${BOUNDARY}\r\n\tContent-Type: ${SPNEGO_ENCRYPTED}\r\n\tOriginalContent: type=${ORIGINAL_TYPE};Length=${piece.length}\r\n--${BOUNDARY}\r\n\tContent-Type: application/octet-stream\r\n`, 'latin1'),
      length,
      signature,
      sealed,
    );
    if (plaintext.length === 0) break;
  }
  parts.push(Buffer.from(`--${BOUNDARY}--\r\n`, 'latin1'));
  return { body: Buffer.concat(parts), contentType: encryptedContentType(size < plaintext.length) };
}

/**
 * Unframes and unseals a multipart/encrypted body, verifying every part's signature (a failure
 * throws NtlmIntegrityError). Reads by the declared lengths, so sealed bytes may contain anything.
 */
export function decodeEncryptedBody(ctx: NtlmSecurityContext, body: Buffer, where: string): Buffer {
  const malformed = (why: string): OutpostError => new OutpostError('WINRM_FAULT', `${where} sent an encrypted body that cannot be read (${why}).`);
  const out: Buffer[] = [];
  const open = Buffer.from(`--${BOUNDARY}\r\n`, 'latin1');
  const close = Buffer.from(`--${BOUNDARY}--`, 'latin1');
  let at = 0;
  for (;;) {
    if (body.subarray(at, at + close.length).equals(close)) break;
    if (!body.subarray(at, at + open.length).equals(open)) throw malformed(out.length === 0 ? 'no "Encrypted Boundary" part' : 'no closing boundary');
    const second = body.indexOf(open, at + open.length);
    if (second < 0) throw malformed('the encrypted part is missing');
    const header = body.subarray(at + open.length, second).toString('latin1');
    if (!header.includes(SPNEGO_ENCRYPTED)) throw malformed('not an SPNEGO-encrypted part');
    const length = /OriginalContent:[^\r\n]*;\s*Length=(\d+)/i.exec(header)?.[1];
    if (!length) throw malformed('no OriginalContent length');
    const lineEnd = body.indexOf('\r\n', second + open.length);
    if (lineEnd < 0 || !/content-type:\s*application\/octet-stream/i.test(body.subarray(second + open.length, lineEnd).toString('latin1'))) throw malformed('no octet-stream part');
    let p = lineEnd + 2;
    if (p + 4 > body.length) throw malformed('truncated');
    const sigLength = body.readUInt32LE(p);
    const n = Number(length);
    if (sigLength !== 16 || p + 4 + sigLength + n > body.length) throw malformed('lengths do not match the body');
    p += 4;
    const signature = body.subarray(p, p + sigLength);
    const sealed = body.subarray(p + sigLength, p + sigLength + n);
    out.push(ctx.unwrap(sealed, signature));
    at = p + sigLength + n;
    // Some peers put a line break before the next boundary.
    if (body.subarray(at, at + 2).toString('latin1') === '\r\n') at += 2;
  }
  return Buffer.concat(out);
}
