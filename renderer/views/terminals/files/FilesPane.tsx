import { useCallback, useEffect, useRef, useState } from 'react';
import type { OutpostClient, RemoteEntryInfo } from '../../../../core/contract';
import { DataTable } from '../../../ui/DataTable';
import { downloadFile, downloadFolder, joinRemote, parentOf, saveBlob, uploadFile, type TransferControl } from './files-transfer';

interface Transfer {
  kind: 'upload' | 'download';
  name: string;
  done: number;
  total: number;
}

interface Failure {
  code: string;
  message: string;
}

const failure = (err: unknown): Failure => ({
  code: typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : 'ERROR',
  message: err instanceof Error ? err.message : String(err),
});

const sizeText = (n: number): string => (n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 / 1024).toFixed(1)} MiB`);

/**
 * The Files pane beside an SSH terminal: SFTP over that terminal's own connection (same host key
 * and credential). Browse folders, upload files or a whole folder, download a file or a folder (as
 * one .tar); one transfer at a time, with progress and cancel. Remote names are shown as text (React escapes them).
 */
export function FilesPane({ terminal, client, onClose }: { terminal: number; client: OutpostClient; onClose(): void }) {
  const [path, setPath] = useState('~');
  const [typed, setTyped] = useState('~');
  const [entries, setEntries] = useState<RemoteEntryInfo[] | null>(null);
  const [error, setError] = useState<Failure | null>(null);
  const [transfer, setTransfer] = useState<Transfer | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const control = useRef<TransferControl>({ cancelled: false });
  const folderInput = useRef<HTMLInputElement>(null);

  const browse = useCallback(
    async (to: string, keepError = false): Promise<void> => {
      try {
        const r = await client.invoke('sftp.list', { terminal, path: to });
        setPath(r.path);
        setTyped(r.path);
        setEntries(r.entries);
        // The refresh after a failed upload must not hide why it failed.
        if (!keepError) setError(null);
      } catch (err) {
        setError(failure(err));
      }
    },
    [client, terminal],
  );

  useEffect(() => {
    void browse('~');
  }, [browse]);

  useEffect(() => {
    // React has no prop for it: choose a whole folder (Chromium and Electron support it).
    folderInput.current?.setAttribute('webkitdirectory', '');
  }, []);

  const upload = async (files: FileList | null): Promise<void> => {
    if (!files || files.length === 0) return;
    const list = [...files];
    const total = list.reduce((n, f) => n + f.size, 0);
    control.current = { cancelled: false };
    setNotice(null);
    setError(null);
    let before = 0;
    try {
      for (const file of list) {
        const name = file.webkitRelativePath || file.name;
        setTransfer({ kind: 'upload', name, done: before, total });
        const r = await uploadFile(client, terminal, path, name, file, control.current, (done) => setTransfer({ kind: 'upload', name, done: before + done, total }));
        if (r === 'cancelled') {
          setNotice(`Upload cancelled; ${name} was not kept.`);
          break;
        }
        before += file.size;
      }
      if (!control.current.cancelled) setNotice(`Uploaded ${list.length} file(s), ${sizeText(total)}.`);
    } catch (err) {
      setError(failure(err));
    } finally {
      setTransfer(null);
      await browse(path, true);
    }
  };

  const download = async (entry: RemoteEntryInfo): Promise<void> => {
    control.current = { cancelled: false };
    setNotice(null);
    setError(null);
    setTransfer({ kind: 'download', name: entry.name, done: 0, total: entry.size });
    try {
      const blob = await downloadFile(client, terminal, joinRemote(path, entry.name), control.current, (done, total) => setTransfer({ kind: 'download', name: entry.name, done, total }));
      if (blob) {
        saveBlob(blob, entry.name);
        setNotice(`Downloaded ${entry.name} (${sizeText(blob.size)}).`);
      } else setNotice(`Download cancelled; nothing was saved.`);
    } catch (err) {
      setError(failure(err));
    } finally {
      setTransfer(null);
    }
  };

  const downloadDir = async (entry: RemoteEntryInfo): Promise<void> => {
    control.current = { cancelled: false };
    setNotice(null);
    setError(null);
    const archive = `${entry.name}.tar`;
    setTransfer({ kind: 'download', name: `${entry.name}/`, done: 0, total: 0 });
    try {
      const r = await downloadFolder(client, terminal, joinRemote(path, entry.name), control.current, (phase, done, total) =>
        setTransfer({ kind: 'download', name: phase === 'copying' ? `${entry.name}/` : archive, done, total }),
      );
      if (r) {
        saveBlob(r.blob, archive);
        setNotice(`Downloaded ${entry.name}/ (${r.files} file(s), ${sizeText(r.bytes)}) as ${archive}.`);
      } else setNotice(`Download cancelled; nothing was saved and the copy was removed.`);
    } catch (err) {
      setError(failure(err));
    } finally {
      setTransfer(null);
    }
  };

  const busy = transfer !== null;
  return (
    <section className="files-pane" aria-label={`Files of terminal ${terminal}`} data-testid="files-pane">
      <header className="files-pane-head">
        <strong>Files</strong>
        <button type="button" className="button button-small" disabled={busy || path === '/'} onClick={() => void browse(parentOf(path))} title="Parent folder">
          Up
        </button>
        <form
          className="files-path"
          onSubmit={(event) => {
            event.preventDefault();
            void browse(typed.trim() || '~');
          }}
        >
          <input aria-label="Remote path" className="mono" value={typed} onChange={(event) => setTyped(event.target.value)} disabled={busy} />
        </form>
        <button type="button" className="button button-small" disabled={busy} onClick={() => void browse(path)}>
          Refresh
        </button>
        <label className={`button button-small${busy ? ' button-disabled' : ''}`}>
          Upload files
          <input type="file" multiple hidden aria-label="Upload files" disabled={busy} onChange={(event) => void upload(event.target.files).finally(() => (event.target.value = ''))} />
        </label>
        <label className={`button button-small${busy ? ' button-disabled' : ''}`}>
          Upload folder
          <input ref={folderInput} type="file" hidden aria-label="Upload folder" disabled={busy} onChange={(event) => void upload(event.target.files).finally(() => (event.target.value = ''))} />
        </label>
        <button type="button" className="button button-small" onClick={onClose} aria-label="Close files">
          ×
        </button>
      </header>
      {transfer && (
        <div className="files-transfer" data-testid="files-transfer">
          <span className="small">
            {transfer.kind === 'upload' ? 'Uploading' : 'Downloading'} <span className="mono">{transfer.name}</span>: {sizeText(transfer.done)} / {sizeText(transfer.total)}
          </span>
          <progress max={Math.max(transfer.total, 1)} value={transfer.done} aria-label="Transfer progress" />
          <button type="button" className="button button-small" onClick={() => (control.current.cancelled = true)}>
            Cancel
          </button>
        </div>
      )}
      {error && (
        <p className="terminal-error small" role="alert">
          <span className="badge badge-error">{error.code}</span> {error.message}
        </p>
      )}
      {notice && (
        <p className="small muted" role="status">
          {notice}
        </p>
      )}
      <div className="files-list">
        <DataTable
          className="data-table-compact"
          caption={`Files in ${path}`}
          columns={[
            {
              id: 'name',
              label: 'Name',
              rowHeader: true,
              className: 'mono',
              sortValue: (e) => e.name,
              cell: (e) =>
                e.type === 'dir' ? (
                  <button type="button" className="link-button" disabled={busy} onClick={() => void browse(joinRemote(path, e.name))}>
                    {e.name}/
                  </button>
                ) : (
                  e.name
                ),
            },
            { id: 'size', label: 'Size', className: 'small numeric', headerClassName: 'numeric', sortValue: (e) => (e.type === 'dir' ? null : e.size), cell: (e) => (e.type === 'dir' ? '' : sizeText(e.size)) },
            { id: 'modified', label: 'Modified', className: 'small', sortValue: (e) => e.mtime, cell: (e) => e.mtime.slice(0, 16).replace('T', ' ') },
          ]}
          rows={entries ?? []}
          rowKey={(e) => e.name}
          rowProps={(e) => ({ 'data-testid': 'files-entry', 'data-type': e.type })}
          // Enter on a folder's row opens it, as its name's button does.
          onOpen={(e) => {
            if (e.type === 'dir' && !busy) void browse(joinRemote(path, e.name));
          }}
          actions={(e) =>
            (e.type === 'file' || e.type === 'dir') && (
              <button type="button" className="button button-small" disabled={busy} onClick={() => void (e.type === 'dir' ? downloadDir(e) : download(e))} aria-label={`Download ${e.name}`} title={e.type === 'dir' ? `Download ${e.name}/ as ${e.name}.tar` : undefined}>
                Download
              </button>
            )
          }
        />
        {entries?.length === 0 && <p className="small muted">This folder is empty.</p>}
      </div>
    </section>
  );
}
