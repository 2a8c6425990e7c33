import ssh2 from 'ssh2';

/**
 * A new ed25519 key pair in OpenSSH format. ssh2's generator strips every leading zero byte of the
 * public key, so about 1 pair in 256 is one its own parser (and OpenSSH) then refuses as malformed
 * (mscdex/ssh2#1390, #1513): such a pair is thrown away and another drawn, so a key Outpost seals
 * in the vault is always one it can read back.
 */
export function generateEd25519KeyPair(comment?: string): { private: string; public: string } {
  for (let attempt = 0; attempt < 32; attempt++) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519', comment === undefined ? {} : { comment });
    if (!(ssh2.utils.parseKey(pair.private) instanceof Error) && !(ssh2.utils.parseKey(pair.public) instanceof Error)) return pair;
  }
  throw new Error('could not generate a readable ed25519 key pair');
}
