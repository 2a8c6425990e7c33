import { z } from 'zod';

const terminal = z.number().int().min(1).max(0xffffffff);
const transfer = z.number().int().min(1).max(0xffffffff);
/** A remote path as the operator types it: absolute, `~`, or relative to the login folder. */
const remotePath = z.string().trim().min(1).max(4096).refine((p) => !p.includes('\0'), 'no NUL characters');
/** One upload name: a file name, or a relative path (a folder upload) without `.`/`..` segments. */
const uploadName = z
  .string()
  .min(1)
  .max(4096)
  .refine((n) => !n.startsWith('/') && n.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..' && !seg.includes('\0')), 'a file name or a relative path without . or .. segments');
/** 512 KiB per chunk (base64 ~700 KB): under the host's 1 MB request limit, and it keeps a large transfer memory-bounded on both sides. */
export const SFTP_CHUNK_BYTES = 512 * 1024;
const chunkData = z.string().max(Math.ceil(SFTP_CHUNK_BYTES / 3) * 4).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64');

export const remoteEntrySchema = z.object({
  name: z.string(),
  type: z.enum(['file', 'dir', 'link', 'other']),
  size: z.number(),
  mtime: z.string(),
  mode: z.number().int(),
});
export type RemoteEntryInfo = z.infer<typeof remoteEntrySchema>;

/** A folder download: copying (bytes over every file of the tree), packing into one tar, ready to read, or ended. */
export const folderDownloadStatusSchema = z.object({
  state: z.enum(['copying', 'packing', 'ready', 'failed', 'cancelled']),
  transferred: z.number().int().min(0),
  total: z.number().int().min(0),
  /** The remote file being copied now. */
  file: z.string().nullable(),
  files: z.number().int().min(0),
  /** The archive's size once ready. */
  size: z.number().int().min(0),
});
export type FolderDownloadStatus = z.infer<typeof folderDownloadStatusSchema>;

/**
 * The file pane beside an SSH terminal: SFTP over that terminal's own connection (same host, host
 * key and credential). Bytes travel in chunks of at most 512 KiB, so neither side holds a whole file;
 * an upload lands as NAME.partial and is renamed only when every byte arrived.
 */
export const sftpCommands = {
  'sftp.list': {
    summary: "List a remote folder over an SSH terminal's connection (name, type, size, modification time)",
    input: z.object({ terminal, path: remotePath.default('~') }).strict(),
    output: z.object({ path: z.string(), entries: z.array(remoteEntrySchema) }),
  },
  'sftp.read': {
    summary: 'Read up to 512 KiB of a remote file (a download is a series of reads)',
    input: z.object({ terminal, path: remotePath, offset: z.number().int().min(0), length: z.number().int().min(1).max(SFTP_CHUNK_BYTES) }).strict(),
    output: z.object({ data: z.string(), size: z.number(), eof: z.boolean() }),
  },
  'sftp.download.begin': {
    summary: 'Start downloading a remote folder: copied here with its sub-folders, then packed as NAME.tar for the pane to save',
    input: z.object({ terminal, path: remotePath }).strict(),
    output: z.object({ transfer: z.number().int(), path: z.string(), name: z.string() }),
  },
  'sftp.download.status': {
    summary: "A folder download's progress (bytes over the whole tree); a failed download answers with its error",
    input: z.object({ transfer }).strict(),
    output: folderDownloadStatusSchema,
  },
  'sftp.download.read': {
    summary: "Read up to 512 KiB of a ready folder download's tar archive",
    input: z.object({ transfer, offset: z.number().int().min(0), length: z.number().int().min(1).max(SFTP_CHUNK_BYTES) }).strict(),
    output: z.object({ data: z.string(), size: z.number(), eof: z.boolean() }),
  },
  'sftp.download.end': {
    summary: 'Cancel a folder download, or release it once saved; its local copy is removed either way',
    input: z.object({ transfer }).strict(),
    output: z.object({ cancelled: z.boolean() }),
  },
  'sftp.upload.begin': {
    summary: 'Start an upload into a remote folder (NAME.partial until finished); a relative name creates its folders',
    input: z.object({ terminal, folder: remotePath, name: uploadName, size: z.number().int().min(0) }).strict(),
    output: z.object({ transfer: z.number().int(), path: z.string() }),
  },
  'sftp.upload.chunk': {
    summary: 'Write the next chunk of an upload (offsets must follow on)',
    input: z.object({ transfer, offset: z.number().int().min(0), data: chunkData }).strict(),
    output: z.object({ written: z.number().int() }),
  },
  'sftp.upload.finish': {
    summary: 'Complete an upload: the partial file is renamed over the final name',
    input: z.object({ transfer }).strict(),
    output: z.object({ path: z.string(), bytes: z.number().int() }),
  },
  'sftp.upload.cancel': {
    summary: 'Cancel an upload; the partial file is removed',
    input: z.object({ transfer }).strict(),
    output: z.object({ cancelled: z.boolean() }),
  },
} as const;
