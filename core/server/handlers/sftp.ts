import { join } from 'node:path';
import { SftpPane } from '../../sftp/sftp-pane.js';
import { toContractError } from '../../contract/errors.js';
import type { DomainHandlers } from './index.js';
import type { Services } from '../services.js';
import type { sftpCommands } from '../../contract/sftp.js';

/** The file pane beside an SSH terminal: SFTP over that terminal's connection. Audited per file (start of a download, end of an upload). */
export function createSftpHandlers(s: Services): DomainHandlers<typeof sftpCommands> {
  const pane = new SftpPane(async () => join((await s.info()).dataDir, 'sftp-downloads'));
  const conn = (id: number) => s.terminals.sshConnection(id);
  /** Which terminal each upload belongs to, for its audit entry. */
  const uploads = new Map<number, number>();
  /** Which terminal and folder each folder download belongs to, for its audit entry. */
  const downloads = new Map<number, { terminal: number; path: string }>();
  const audit = (actor: string, action: string, terminal: number | undefined, outcome: 'ok' | 'failed', details: Record<string, unknown>) =>
    s.audit.append({ actor, action, target: `terminal ${terminal ?? '?'}`, outcome, details });
  return {
    'sftp.list': ({ terminal, path }) => pane.list(conn(terminal), path),
    'sftp.read': async ({ terminal, path, offset, length }, caller) => {
      const r = await pane.read(conn(terminal), path, offset, length);
      if (offset === 0) await audit(caller.actor, 'sftp.get', terminal, 'ok', { from: path, bytes: r.size });
      return r;
    },
    'sftp.download.begin': async ({ terminal, path }, caller) => {
      try {
        const r = await pane.downloadBegin(conn(terminal), path);
        downloads.set(r.transfer, { terminal, path: r.path });
        return r;
      } catch (err) {
        await audit(caller.actor, 'sftp.get', terminal, 'failed', { from: path, code: toContractError(err).code });
        throw err;
      }
    },
    'sftp.download.status': async ({ transfer }, caller) => {
      const d = downloads.get(transfer);
      try {
        const st = pane.downloadStatus(transfer);
        if (st.state === 'ready' && d) {
          downloads.delete(transfer);
          await audit(caller.actor, 'sftp.get', d.terminal, 'ok', { from: d.path, files: st.files, bytes: st.total });
        }
        return st;
      } catch (err) {
        if (d) {
          downloads.delete(transfer);
          await audit(caller.actor, 'sftp.get', d.terminal, 'failed', { from: d.path, code: toContractError(err).code });
        }
        throw err;
      }
    },
    'sftp.download.read': ({ transfer, offset, length }) => pane.downloadRead(transfer, offset, length),
    'sftp.download.end': ({ transfer }) => {
      downloads.delete(transfer);
      return pane.downloadEnd(transfer);
    },
    'sftp.upload.begin': async ({ terminal, folder, name, size }) => {
      const r = await pane.begin(conn(terminal), folder, name, size);
      uploads.set(r.transfer, terminal);
      return r;
    },
    'sftp.upload.chunk': ({ transfer, offset, data }) => pane.chunk(transfer, offset, data),
    'sftp.upload.finish': async ({ transfer }, caller) => {
      const terminal = uploads.get(transfer);
      try {
        const r = await pane.finish(transfer);
        uploads.delete(transfer);
        await audit(caller.actor, 'sftp.put', terminal, 'ok', { to: r.path, bytes: r.bytes });
        return r;
      } catch (err) {
        await audit(caller.actor, 'sftp.put', terminal, 'failed', { transfer, code: toContractError(err).code });
        throw err;
      }
    },
    'sftp.upload.cancel': ({ transfer }) => {
      uploads.delete(transfer);
      return pane.cancel(transfer);
    },
  };
}
