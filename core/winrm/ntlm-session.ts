import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { OutpostError } from '../contract/errors.js';
import { NtlmFlags } from './ntlm.js';
import { Rc4 } from './rc4.js';

/**
 * NTLM session security (MS-NLMP 3.4) for NTLMv2 with extended session security: signing and
 * sealing keys per direction (SIGNKEY, SEALKEY, 3.4.5.2-3), one RC4 state per direction kept for
 * the whole connection, sequence numbers per direction, and the 16-byte NTLMSSP_MESSAGE_SIGNATURE
 * (version 1, first 8 bytes of HMAC_MD5(SigningKey, SeqNum + Message), RC4-encrypted with
 * KEY_EXCH, SeqNum). WinRM wraps every SOAP message of an NTLM connection over HTTP with it.
 */

const magic = (text: string): Buffer => Buffer.from(`session key to ${text} key magic constant\0`, 'latin1');
const CLIENT_SIGN = magic('client-to-server signing');
const SERVER_SIGN = magic('server-to-client signing');
const CLIENT_SEAL = magic('client-to-server sealing');
const SERVER_SEAL = magic('server-to-client sealing');

const md5 = (...parts: Buffer[]): Buffer => createHash('md5').update(Buffer.concat(parts)).digest();

/** SIGNKEY (3.4.5.2) with extended session security. */
export function signKey(exportedSessionKey: Buffer, direction: 'client' | 'server'): Buffer {
  return md5(exportedSessionKey, direction === 'client' ? CLIENT_SIGN : SERVER_SIGN);
}

/** SEALKEY (3.4.5.3) with extended session security: 128, 56 or 40 bits of the key, as negotiated. */
export function sealKey(exportedSessionKey: Buffer, direction: 'client' | 'server', flags: number): Buffer {
  const base = flags & NtlmFlags.N128 ? exportedSessionKey : exportedSessionKey.subarray(0, flags & NtlmFlags.N56 ? 7 : 5);
  return md5(base, direction === 'client' ? CLIENT_SEAL : SERVER_SEAL);
}

/** The peer's message failed its signature check: altered, replayed, out of order, or another key. */
export class NtlmIntegrityError extends OutpostError {
  constructor(where: string) {
    super(
      'WINRM_FAULT',
      `${where}: an encrypted message failed its NTLM signature check (altered in transit, replayed, or out of sequence). Nothing from it was used; the connection's security context was dropped.`,
      { integrity: 'NTLM_SIGNATURE_MISMATCH' },
    );
    this.name = 'NtlmIntegrityError';
  }
}

interface Direction {
  signKey: Buffer;
  rc4: Rc4;
  seq: number;
}

export interface Wrapped {
  sealed: Buffer;
  /** NTLMSSP_MESSAGE_SIGNATURE, 16 bytes. */
  signature: Buffer;
}

/**
 * One side of an NTLM security context. The client wraps with the client keys and unwraps with the
 * server keys; a server (the test server) the other way round. Messages must be wrapped and
 * unwrapped in the order they travel: the RC4 states and sequence numbers move on with each.
 */
export class NtlmSecurityContext {
  private readonly out: Direction;
  private readonly in: Direction;

  constructor(
    exportedSessionKey: Buffer,
    private readonly flags: number,
    role: 'client' | 'server' = 'client',
    private readonly where = 'NTLM peer',
  ) {
    if (exportedSessionKey.length !== 16) throw new Error('an NTLM session key has 16 bytes');
    if (!(flags & NtlmFlags.EXTENDED_SESSIONSECURITY)) throw new Error('NTLM message encryption needs extended session security');
    const direction = (d: 'client' | 'server'): Direction => ({ signKey: signKey(exportedSessionKey, d), rc4: new Rc4(sealKey(exportedSessionKey, d, flags)), seq: 0 });
    const client = direction('client');
    const server = direction('server');
    [this.out, this.in] = role === 'client' ? [client, server] : [server, client];
  }

  /** MAC (3.4.4.2): version 1, checksum (RC4-encrypted with KEY_EXCH), sequence number. */
  private mac(d: Direction, message: Buffer): Buffer {
    const seq = Buffer.alloc(4);
    seq.writeUInt32LE(d.seq);
    let checksum: Buffer = createHmac('md5', d.signKey).update(seq).update(message).digest().subarray(0, 8);
    if (this.flags & NtlmFlags.KEY_EXCH) checksum = d.rc4.update(checksum);
    d.seq = (d.seq + 1) >>> 0;
    return Buffer.concat([Buffer.from([1, 0, 0, 0]), checksum, seq]);
  }

  /** SEAL (3.4.3): encrypts, then signs the plaintext with the same RC4 state. */
  wrap(message: Buffer): Wrapped {
    const sealed = this.out.rc4.update(message);
    return { sealed, signature: this.mac(this.out, message) };
  }

  /** Decrypts the peer's message and verifies its signature; throws NtlmIntegrityError otherwise. */
  unwrap(sealed: Buffer, signature: Buffer): Buffer {
    const message = this.in.rc4.update(sealed);
    const expected = this.mac(this.in, message);
    if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) throw new NtlmIntegrityError(this.where);
    return message;
  }
}
