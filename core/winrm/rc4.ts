/**
 * RC4 (ARCFOUR) as a keyed stream: NTLM sealing keeps one RC4 state per direction across all
 * messages of a connection (MS-NLMP 3.4). Written here because OpenSSL 3 moved RC4 to its legacy
 * provider, which Node does not load (`createCipheriv('rc4')` fails with "unsupported").
 */
export class Rc4 {
  private readonly s = new Uint8Array(256);
  private i = 0;
  private j = 0;

  constructor(key: Uint8Array) {
    if (key.length === 0 || key.length > 256) throw new RangeError('RC4 keys are 1 to 256 bytes');
    for (let n = 0; n < 256; n++) this.s[n] = n;
    for (let n = 0, j = 0; n < 256; n++) {
      j = (j + this.s[n]! + key[n % key.length]!) & 0xff;
      [this.s[n], this.s[j]] = [this.s[j]!, this.s[n]!];
    }
  }

  /** XORs the next key-stream bytes into a copy of `data` (encrypting and decrypting are the same). */
  update(data: Uint8Array): Buffer {
    const out = Buffer.from(data);
    const s = this.s;
    let { i, j } = this;
    for (let n = 0; n < out.length; n++) {
      i = (i + 1) & 0xff;
      j = (j + s[i]!) & 0xff;
      const t = s[i]!;
      s[i] = s[j]!;
      s[j] = t;
      out[n]! ^= s[(s[i]! + t) & 0xff]!;
    }
    this.i = i;
    this.j = j;
    return out;
  }
}

/** One-shot RC4 with a fresh key (NTLM's EncryptedRandomSessionKey). */
export const rc4 = (key: Uint8Array, data: Uint8Array): Buffer => new Rc4(key).update(data);
