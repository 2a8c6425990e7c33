/**
 * MD4 (RFC 1320). NTLM's NT hash is MD4 of the UTF-16LE password, and Node 17+ (OpenSSL 3) no
 * longer offers MD4 through `crypto.createHash`. Used only for that hash, never for integrity.
 */
export function md4(input: Buffer): Buffer {
  const bitLength = input.length * 8;
  const padLength = (input.length % 64 < 56 ? 56 : 120) - (input.length % 64);
  const message = Buffer.alloc(input.length + padLength + 8);
  input.copy(message);
  message[input.length] = 0x80;
  message.writeUInt32LE(bitLength >>> 0, message.length - 8);
  message.writeUInt32LE(Math.floor(bitLength / 2 ** 32), message.length - 4);

  let a = 0x67452301;
  let b = 0xefcdab89;
  let c = 0x98badcfe;
  let d = 0x10325476;
  const rotl = (x: number, n: number): number => (x << n) | (x >>> (32 - n));
  const f = (x: number, y: number, z: number): number => (x & y) | (~x & z);
  const g = (x: number, y: number, z: number): number => (x & y) | (x & z) | (y & z);
  const h = (x: number, y: number, z: number): number => x ^ y ^ z;
  const x = new Array<number>(16);
  for (let offset = 0; offset < message.length; offset += 64) {
    for (let i = 0; i < 16; i++) x[i] = message.readUInt32LE(offset + i * 4);
    const [aa, bb, cc, dd] = [a, b, c, d];
    const r1 = [3, 7, 11, 19];
    for (let i = 0; i < 16; i++) {
      const t = (a + f(b, c, d) + x[i]!) | 0;
      [a, b, c, d] = [d, rotl(t, r1[i % 4]!), b, c];
    }
    const r2 = [3, 5, 9, 13];
    const order2 = [0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15];
    for (let i = 0; i < 16; i++) {
      const t = (a + g(b, c, d) + x[order2[i]!]! + 0x5a827999) | 0;
      [a, b, c, d] = [d, rotl(t, r2[i % 4]!), b, c];
    }
    const r3 = [3, 9, 11, 15];
    const order3 = [0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15];
    for (let i = 0; i < 16; i++) {
      const t = (a + h(b, c, d) + x[order3[i]!]! + 0x6ed9eba1) | 0;
      [a, b, c, d] = [d, rotl(t, r3[i % 4]!), b, c];
    }
    a = (a + aa) | 0;
    b = (b + bb) | 0;
    c = (c + cc) | 0;
    d = (d + dd) | 0;
  }
  const out = Buffer.alloc(16);
  out.writeInt32LE(a, 0);
  out.writeInt32LE(b, 4);
  out.writeInt32LE(c, 8);
  out.writeInt32LE(d, 12);
  return out;
}
