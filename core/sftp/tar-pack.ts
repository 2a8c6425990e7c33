import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { create } from 'tar';

/**
 * Packs `parent/name` into one tar file at `out` (entries named `name/...`), so a browser can save
 * a downloaded folder as a single file. node-tar writes pax records where a name or a size does
 * not fit ustar; `portable` leaves out this machine's owner, group and inode numbers. The file is
 * created new and private to the user, like every file Outpost writes. Returns the archive's size.
 */
export async function packTar(parent: string, name: string, out: string): Promise<number> {
  await pipeline(create({ cwd: parent, portable: true }, [name]), createWriteStream(out, { flags: 'wx', mode: 0o600 }));
  return (await stat(out)).size;
}
