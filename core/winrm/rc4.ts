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
    // Plain Uint8Array views in the loop (a Buffer subclass can deoptimise the indexing).
    const out = new Uint8Array(data.length);
    const src = new Uint8Array(data.buffer, data.byteOffset, data.length);
    const s = this.s;
    let i = this.i;
    let j = this.j;
    for (let n = 0; n < src.length; n++) {
      i = (i + 1) & 0xff;
      const si = s[i]!;
      j = (j + si) & 0xff;
      const sj = s[j]!;
      s[i] = sj;
      s[j] = si;
      out[n] = src[n]! ^ s[(si + sj) & 0xff]!;
    }
    this.i = i;
    this.j = j;
    return Buffer.from(out.buffer, out.byteOffset, out.length);
  }
}

/** One-shot RC4 with a fresh key (NTLM's EncryptedRandomSessionKey). */
export const rc4 = (key: Uint8Array, data: Uint8Array): Buffer => new Rc4(key).update(data);
