import { createHmac, randomBytes } from 'node:crypto';
import { md4 } from './md4.js';
import { rc4 } from './rc4.js';

/**
 * NTLMv2 authentication messages (MS-NLMP 2.2.1, 3.3.2), written here because the npm NTLM
 * clients rely on MD4/DES/RC4 from OpenSSL, which Node 17+ no longer provides, or bring their own
 * HTTP stack. With `seal`, the messages negotiate SIGN|SEAL|KEY_EXCH and carry a random exported
 * session key, from which `ntlm-session.ts` derives the message encryption keys.
 */

const SIGNATURE = Buffer.from('NTLMSSP\0', 'latin1');

export const NtlmFlags = {
  UNICODE: 0x00000001,
  OEM: 0x00000002,
  REQUEST_TARGET: 0x00000004,
  SIGN: 0x00000010,
  SEAL: 0x00000020,
  NTLM: 0x00000200,
  ALWAYS_SIGN: 0x00008000,
  EXTENDED_SESSIONSECURITY: 0x00080000,
  TARGET_INFO: 0x00800000,
  VERSION: 0x02000000,
  N128: 0x20000000,
  KEY_EXCH: 0x40000000,
  N56: 0x80000000,
} as const;

const NEGOTIATE_FLAGS =
  NtlmFlags.UNICODE | NtlmFlags.OEM | NtlmFlags.REQUEST_TARGET | NtlmFlags.NTLM | NtlmFlags.ALWAYS_SIGN | NtlmFlags.EXTENDED_SESSIONSECURITY | NtlmFlags.TARGET_INFO | NtlmFlags.N128 | NtlmFlags.N56;

/** What message encryption (MS-NLMP 3.4) additionally asks for. */
export const SEAL_FLAGS = NtlmFlags.SIGN | NtlmFlags.SEAL | NtlmFlags.KEY_EXCH;

export interface NtlmOptions {
  /** Negotiate signing and sealing with key exchange (WinRM message encryption over HTTP). */
  seal?: boolean;
}

const requestedFlags = (o: NtlmOptions = {}): number => (o.seal ? NEGOTIATE_FLAGS | SEAL_FLAGS : NEGOTIATE_FLAGS) >>> 0;

/** NEGOTIATE_MESSAGE: no domain or workstation supplied. */
export function negotiateMessage(options: NtlmOptions = {}): Buffer {
  const m = Buffer.alloc(32);
  SIGNATURE.copy(m, 0);
  m.writeUInt32LE(1, 8);
  m.writeUInt32LE(requestedFlags(options), 12);
  return m;
}

export interface ChallengeMessage {
  flags: number;
  serverChallenge: Buffer;
  targetName: string;
  targetInfo: Buffer;
}

const field = (m: Buffer, at: number): Buffer => {
  const len = m.readUInt16LE(at);
  const offset = m.readUInt32LE(at + 4);
  if (offset + len > m.length) throw new Error('NTLM field points outside the message');
  return m.subarray(offset, offset + len);
};

export function parseChallengeMessage(m: Buffer): ChallengeMessage {
  if (m.length < 48 || !m.subarray(0, 8).equals(SIGNATURE) || m.readUInt32LE(8) !== 2) throw new Error('not an NTLM CHALLENGE_MESSAGE');
  const flags = m.readUInt32LE(20);
  const name = field(m, 12);
  return {
    flags,
    serverChallenge: Buffer.from(m.subarray(24, 32)),
    targetName: flags & NtlmFlags.UNICODE ? name.toString('utf16le') : name.toString('latin1'),
    targetInfo: Buffer.from(field(m, 40)),
  };
}

/** NTOWFv2 (MS-NLMP 3.3.2): HMAC-MD5 keyed by the NT hash over UPPER(user) + domain in UTF-16LE. */
export function ntowfv2(password: string, user: string, domain: string): Buffer {
  const ntHash = md4(Buffer.from(password, 'utf16le'));
  return createHmac('md5', ntHash).update(Buffer.from(user.toUpperCase() + domain, 'utf16le')).digest();
}

/** The MsvAvTimestamp of the target info (AV_PAIR id 7), when the server sent one. */
function avTimestamp(targetInfo: Buffer): Buffer | null {
  for (let at = 0; at + 4 <= targetInfo.length; ) {
    const id = targetInfo.readUInt16LE(at);
    const len = targetInfo.readUInt16LE(at + 2);
    if (id === 0) break;
    if (id === 7 && len === 8) return targetInfo.subarray(at + 4, at + 12);
    at += 4 + len;
  }
  return null;
}

function fileTimeNow(): Buffer {
  const t = Buffer.alloc(8);
  t.writeBigUInt64LE((BigInt(Date.now()) + 11_644_473_600_000n) * 10_000n);
  return t;
}

/** Splits "DOMAIN\user" and "user@domain"; a bare name has no domain. */
export function splitAccount(account: string): { user: string; domain: string } {
  const slash = account.indexOf('\\');
  if (slash >= 0) return { domain: account.slice(0, slash), user: account.slice(slash + 1) };
  const at = account.lastIndexOf('@');
  if (at > 0) return { user: account.slice(0, at), domain: account.slice(at + 1) };
  return { user: account, domain: '' };
}

export interface Ntlmv2Responses {
  ntResponse: Buffer;
  lmResponse: Buffer;
  /** SessionBaseKey = HMAC_MD5(ResponseKeyNT, NTProofStr); with NTLMv2 it is also the KeyExchangeKey. */
  sessionBaseKey: Buffer;
}

/** ComputeResponse for NTLMv2 (MS-NLMP 3.3.2), with every input given (the spec's 4.2.4 values test it). */
export function ntlmv2Responses(responseKeyNT: Buffer, serverChallenge: Buffer, clientChallenge: Buffer, time: Buffer, targetInfo: Buffer): Ntlmv2Responses {
  const temp = Buffer.concat([Buffer.from([1, 1, 0, 0, 0, 0, 0, 0]), time, clientChallenge, Buffer.alloc(4), targetInfo, Buffer.alloc(4)]);
  const ntProof = createHmac('md5', responseKeyNT).update(Buffer.concat([serverChallenge, temp])).digest();
  return {
    ntResponse: Buffer.concat([ntProof, temp]),
    lmResponse: Buffer.concat([createHmac('md5', responseKeyNT).update(Buffer.concat([serverChallenge, clientChallenge])).digest(), clientChallenge]),
    sessionBaseKey: createHmac('md5', responseKeyNT).update(ntProof).digest(),
  };
}

export interface NtlmAuthentication {
  message: Buffer;
  /** The flags both sides agreed on (the AUTHENTICATE_MESSAGE's NegotiateFlags). */
  flags: number;
  /** ExportedSessionKey (MS-NLMP 3.1.5.1.2): the root of the signing and sealing keys. A secret. */
  exportedSessionKey: Buffer;
}

export interface AuthenticateOptions extends NtlmOptions {
  workstation?: string;
  clientChallenge?: Buffer;
  /** Only for the specification's test values: a fixed "random" session key and time. */
  randomSessionKey?: Buffer;
  time?: Buffer;
}

/** AUTHENTICATE_MESSAGE with NTLMv2 and LMv2 responses, and the session key for message encryption. */
export function authenticate(challenge: ChallengeMessage, account: string, password: string, options: AuthenticateOptions = {}): NtlmAuthentication {
  const { user, domain } = splitAccount(account);
  const key = ntowfv2(password, user, domain);
  const timestamp = avTimestamp(challenge.targetInfo) ?? options.time ?? fileTimeNow();
  const { ntResponse, lmResponse, sessionBaseKey } = ntlmv2Responses(key, challenge.serverChallenge, options.clientChallenge ?? randomBytes(8), timestamp, challenge.targetInfo);
  const flags = (challenge.flags & requestedFlags(options)) >>> 0 || requestedFlags(options);
  let exportedSessionKey: Buffer = sessionBaseKey;
  let encryptedRandomSessionKey: Buffer = Buffer.alloc(0);
  if (flags & NtlmFlags.KEY_EXCH && flags & (NtlmFlags.SIGN | NtlmFlags.SEAL)) {
    exportedSessionKey = options.randomSessionKey ?? randomBytes(16);
    encryptedRandomSessionKey = rc4(sessionBaseKey, exportedSessionKey);
  }

  const payload = [lmResponse, ntResponse, Buffer.from(domain, 'utf16le'), Buffer.from(user, 'utf16le'), Buffer.from(options.workstation ?? 'OUTPOST', 'utf16le'), encryptedRandomSessionKey];
  const header = Buffer.alloc(64);
  SIGNATURE.copy(header, 0);
  header.writeUInt32LE(3, 8);
  let offset = header.length;
  payload.forEach((p, i) => {
    const at = 12 + i * 8;
    header.writeUInt16LE(p.length, at);
    header.writeUInt16LE(p.length, at + 2);
    header.writeUInt32LE(offset, at + 4);
    offset += p.length;
  });
  header.writeUInt32LE(flags, 60);
  return { message: Buffer.concat([header, ...payload]), flags, exportedSessionKey };
}

/** AUTHENTICATE_MESSAGE only (authentication without message encryption). */
export function authenticateMessage(challenge: ChallengeMessage, account: string, password: string, workstation = 'OUTPOST', clientChallenge = randomBytes(8)): Buffer {
  return authenticate(challenge, account, password, { workstation, clientChallenge }).message;
}

export interface ParsedAuthenticate {
  user: string;
  domain: string;
  workstation: string;
  ntResponse: Buffer;
  encryptedRandomSessionKey: Buffer;
  flags: number;
}

/** Reads an AUTHENTICATE_MESSAGE (the test server uses it to check the proof). */
export function parseAuthenticateMessage(m: Buffer): ParsedAuthenticate {
  if (m.length < 64 || !m.subarray(0, 8).equals(SIGNATURE) || m.readUInt32LE(8) !== 3) throw new Error('not an NTLM AUTHENTICATE_MESSAGE');
  return {
    ntResponse: Buffer.from(field(m, 20)),
    domain: field(m, 28).toString('utf16le'),
    user: field(m, 36).toString('utf16le'),
    workstation: field(m, 44).toString('utf16le'),
    encryptedRandomSessionKey: Buffer.from(field(m, 52)),
    flags: m.readUInt32LE(60),
  };
}

/** Server side of NTLMv2: recomputes NTProofStr from the client's blob (MS-NLMP 3.3.2). */
export function verifyNtlmv2(serverChallenge: Buffer, auth: ParsedAuthenticate, password: string): boolean {
  if (auth.ntResponse.length < 16 + 28) return false;
  const key = ntowfv2(password, auth.user, auth.domain);
  const temp = auth.ntResponse.subarray(16);
  const proof = createHmac('md5', key).update(Buffer.concat([serverChallenge, temp])).digest();
  return proof.equals(auth.ntResponse.subarray(0, 16));
}

/** Server side of the key exchange: the client's ExportedSessionKey, once its NTLMv2 proof checked out. */
export function serverExportedSessionKey(auth: ParsedAuthenticate, password: string): Buffer {
  const key = ntowfv2(password, auth.user, auth.domain);
  const sessionBaseKey = createHmac('md5', key).update(auth.ntResponse.subarray(0, 16)).digest();
  if (auth.flags & NtlmFlags.KEY_EXCH && auth.encryptedRandomSessionKey.length === 16) return rc4(sessionBaseKey, auth.encryptedRandomSessionKey);
  return sessionBaseKey;
}
