import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Packs a local folder into one POSIX (pax) tar file, so a browser can save a downloaded folder
 * as a single file. Hand-written because the archivers in node_modules are only transitive
 * dependencies (none declared, none typed); the format is small: 512-byte headers, contents padded
 * to 512 bytes, a pax `path=`/`size=` record when a name exceeds 100 bytes or a size 8 GiB, two
 * zero blocks at the end. Read by GNU tar, bsdtar (Windows' tar.exe, macOS) and 7-Zip.
 */
const BLOCK = 512;
const COPY_BYTES = 1024 * 1024;

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

function header(name: string, type: '0' | '5' | 'x', size: number, mode: number, mtime: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, 'utf8');
  h.write(octal(mode & 0o7777, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii');
  h.write(octal(0, 8), 116, 'ascii');
  // A size a 12-byte octal field cannot hold (>= 8 GiB) travels in the pax record; 0 here.
  h.write(octal(size < 0o77777777777 ? size : 0, 12), 124, 'ascii');
  h.write(octal(Math.max(0, Math.floor(mtime)), 12), 136, 'ascii');
  h.write('        ', 148, 'ascii');
  h.write(type, 156, 'ascii');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return h;
}

/** One pax record: "LEN key=value\n", LEN counting itself. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const n = Buffer.byteLength(body);
  let len = n + String(n).length;
  if (String(len).length !== String(n).length) len = n + String(len).length;
  return `${len}${body}`;
}

const padding = (size: number): Buffer => Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);

/**
 * Writes `folder` as `out`, its entries named `name/...` (folders first in each folder, then
 * files, by name). Returns the archive's size. Only folders and regular files are packed, as the
 * SFTP download copies only those.
 */
export async function packTar(folder: string, name: string, out: string): Promise<number> {
  const fh = await open(out, 'wx', 0o600);
  let size = 0;
  const put = async (b: Buffer): Promise<void> => {
    await fh.write(b, 0, b.length);
    size += b.length;
  };
  const entry = async (path: string, type: '0' | '5', bytes: number, mode: number, mtime: number): Promise<void> => {
    const records = (Buffer.byteLength(path) > 100 ? paxRecord('path', path) : '') + (bytes >= 0o77777777777 ? paxRecord('size', String(bytes)) : '');
    if (records) {
      const body = Buffer.from(records, 'utf8');
      await put(header(`PaxHeader/${path.slice(-80)}`.slice(0, 99), 'x', body.length, 0o644, mtime));
      await put(body);
      await put(padding(body.length));
    }
    await put(header(path, type, bytes, mode, mtime));
  };
  const copy = async (from: string, bytes: number): Promise<void> => {
    const src = await open(from, 'r');
    try {
      const buf = Buffer.alloc(Math.min(COPY_BYTES, Math.max(bytes, 1)));
      let done = 0;
      while (done < bytes) {
        const { bytesRead } = await src.read(buf, 0, Math.min(buf.length, bytes - done), done);
        // The staged file shrank under us: stop rather than write a header that lies.
        if (bytesRead <= 0) throw new Error(`${from} changed while it was being packed`);
        await put(buf.subarray(0, bytesRead));
        done += bytesRead;
      }
      await put(padding(bytes));
    } finally {
      await src.close();
    }
  };
  const walk = async (dir: string, path: string): Promise<void> => {
    const s = await stat(dir);
    await entry(`${path}/`, '5', 0, s.mode, s.mtimeMs / 1000);
    const list = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.isDirectory() ? 0 : 1) - (b.isDirectory() ? 0 : 1) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of list) {
      if (e.isDirectory()) await walk(join(dir, e.name), `${path}/${e.name}`);
      else if (e.isFile()) {
        const f = await stat(join(dir, e.name));
        await entry(`${path}/${e.name}`, '0', f.size, f.mode, f.mtimeMs / 1000);
        await copy(join(dir, e.name), f.size);
      }
    }
  };
  try {
    await walk(folder, name);
    await put(Buffer.alloc(BLOCK * 2));
  } finally {
    await fh.close();
  }
  return size;
}
