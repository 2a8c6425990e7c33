import { SftpPane } from '../../sftp/sftp-pane.js';
import type { DomainHandlers } from './index.js';
import type { Services } from '../services.js';
import type { sftpCommands } from '../../contract/sftp.js';

/** The file pane beside an SSH terminal: SFTP over that terminal's connection. */
export function createSftpHandlers(s: Services): DomainHandlers<typeof sftpCommands> {
  const pane = new SftpPane();
  const conn = (id: number) => s.terminals.sshConnection(id);
  return {
    'sftp.list': ({ terminal, path }) => pane.list(conn(terminal), path),
    'sftp.read': ({ terminal, path, offset, length }) => pane.read(conn(terminal), path, offset, length),
    'sftp.upload.begin': async ({ terminal, folder, name, size }, caller) => {
      const r = await pane.begin(conn(terminal), folder, name, size);
      await s.audit.append({ actor: caller.actor, action: 'sftp.put', target: `terminal ${terminal}`, outcome: 'ok', details: { to: r.path, bytes: size } });
      return r;
    },
    'sftp.upload.chunk': ({ transfer, offset, data }) => pane.chunk(transfer, offset, data),
    'sftp.upload.finish': ({ transfer }) => pane.finish(transfer),
    'sftp.upload.cancel': ({ transfer }) => pane.cancel(transfer),
  };
}
