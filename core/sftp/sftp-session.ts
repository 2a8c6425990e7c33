import { OutpostError } from '../contract/errors.js';
import type { SshConnection } from '../ssh/ssh-connection.js';
import { download, listRemote, realRemotePath, upload, type RemoteEntry, type TransferOptions } from './sftp-transfer.js';

/**
 * SFTP over an open SSH connection (a terminal's, or one the CLI opened): each call is its own
 * SFTP channel, so a cancel (which ends its channel) leaves the connection and the shell alone.
 */
export async function sftpList(conn: SshConnection, path: string): Promise<{ path: string; entries: RemoteEntry[] }> {
  return conn.withSftp(async (s) => {
    const real = await realRemotePath(s, path);
    return { path: real, entries: await listRemote(s, real) };
  });
}

export function sftpDownload(conn: SshConnection, remote: string, local: string, o: TransferOptions = {}): Promise<{ files: number; bytes: number }> {
  return conn.withSftp((s) => download(s, remote, local, o));
}

export async function sftpUpload(conn: SshConnection, local: string, remote: string, o: TransferOptions = {}): Promise<{ files: number; bytes: number }> {
  try {
    return await conn.withSftp((s) => upload(s, local, remote, o));
  } catch (err) {
    const partial = err instanceof OutpostError && err.code === 'CANCELLED' && typeof err.details === 'object' && err.details !== null && 'partial' in err.details ? err.details.partial : null;
    if (typeof partial === 'string') {
      await conn.withSftp((s) => new Promise<void>((resolve) => s.unlink(partial, () => resolve()))).catch(() => undefined);
      throw new OutpostError('CANCELLED', err instanceof Error ? err.message : 'Cancelled.');
    }
    throw err;
  }
}
