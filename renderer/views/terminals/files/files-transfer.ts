import { SFTP_CHUNK_BYTES, type OutpostClient } from '../../../../core/contract';

/** Bytes to base64 without one giant String.fromCharCode call (its argument count is limited). */
export function toBase64(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

export function fromBase64(data: string): Uint8Array<ArrayBuffer> {
  const text = atob(data);
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

export interface TransferControl {
  cancelled: boolean;
}

/**
 * Uploads one browser File in SFTP_CHUNK_BYTES (512 KiB) slices (Blob.slice reads only that slice), so memory stays
 * bounded however large the file; the core writes NAME.partial and renames it on finish. A cancel
 * between chunks tells the core to remove the partial.
 */
export async function uploadFile(client: OutpostClient, terminal: number, folder: string, name: string, file: Blob, control: TransferControl, progress: (done: number) => void): Promise<'done' | 'cancelled'> {
  const { transfer } = await client.invoke('sftp.upload.begin', { terminal, folder, name, size: file.size });
  try {
    for (let offset = 0; offset < file.size; offset += SFTP_CHUNK_BYTES) {
      if (control.cancelled) break;
      const slice = new Uint8Array(await file.slice(offset, offset + SFTP_CHUNK_BYTES).arrayBuffer());
      const { written } = await client.invoke('sftp.upload.chunk', { transfer, offset, data: toBase64(slice) });
      progress(written);
    }
    if (control.cancelled) {
      await client.invoke('sftp.upload.cancel', { transfer });
      return 'cancelled';
    }
    await client.invoke('sftp.upload.finish', { transfer });
    return 'done';
  } catch (err) {
    // A failed chunk already removed the partial in the core; cancel is a no-op then.
    await client.invoke('sftp.upload.cancel', { transfer }).catch(() => undefined);
    throw err;
  }
}

/**
 * Downloads a remote file chunk by chunk into a Blob (the browser keeps a large Blob on disk, not
 * in the JS heap), then saves it as a file. Returns null when cancelled: nothing is saved.
 */
export async function downloadFile(client: OutpostClient, terminal: number, path: string, control: TransferControl, progress: (done: number, total: number) => void): Promise<Blob | null> {
  let blob = new Blob([]);
  for (let offset = 0; ; ) {
    if (control.cancelled) return null;
    const r = await client.invoke('sftp.read', { terminal, path, offset, length: SFTP_CHUNK_BYTES });
    const bytes = fromBase64(r.data);
    blob = new Blob([blob, bytes]);
    offset += bytes.length;
    progress(offset, r.size);
    if (r.eof || bytes.length === 0) return control.cancelled ? null : blob;
  }
}

/**
 * Downloads a remote folder: the core copies the tree (progress over every file's bytes, polled)
 * and packs it as one tar, which is read chunk by chunk into a Blob like a file. A cancel tells the
 * core to stop and remove what it copied; returns null then (nothing is saved).
 */
export async function downloadFolder(
  client: OutpostClient,
  terminal: number,
  path: string,
  control: TransferControl,
  progress: (phase: 'copying' | 'saving', done: number, total: number) => void,
): Promise<{ blob: Blob; files: number; bytes: number } | null> {
  const { transfer } = await client.invoke('sftp.download.begin', { terminal, path });
  try {
    let status = await client.invoke('sftp.download.status', { transfer });
    while (status.state === 'copying' || status.state === 'packing') {
      if (control.cancelled) return null;
      progress('copying', status.transferred, status.total);
      await new Promise((r) => setTimeout(r, 200));
      status = await client.invoke('sftp.download.status', { transfer });
    }
    if (status.state !== 'ready') return null;
    progress('copying', status.total, status.total);
    let blob = new Blob([]);
    for (let offset = 0; ; ) {
      if (control.cancelled) return null;
      const r = await client.invoke('sftp.download.read', { transfer, offset, length: SFTP_CHUNK_BYTES });
      const bytes = fromBase64(r.data);
      blob = new Blob([blob, bytes]);
      offset += bytes.length;
      progress('saving', offset, r.size);
      if (r.eof || bytes.length === 0) return control.cancelled ? null : { blob, files: status.files, bytes: status.total };
    }
  } finally {
    // Cancelled, failed or saved: the core's copy is removed.
    await client.invoke('sftp.download.end', { transfer }).catch(() => undefined);
  }
}

/** Hands a Blob to the browser (or Electron) as a file download. */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export const joinRemote = (folder: string, name: string): string => (folder.endsWith('/') ? folder + name : `${folder}/${name}`);
export const parentOf = (path: string): string => (path === '/' ? '/' : path.replace(/\/[^/]+\/?$/, '') || '/');
