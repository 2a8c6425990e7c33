import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { OutpostError } from '../../contract/errors.js';
import { SshConnection, type SshConnectOptions } from '../../ssh/ssh-connection.js';
import type { SshTarget } from '../../ssh/ssh-target.js';

/** A local port on 127.0.0.1 whose connections are forwarded by the jump host to `to`. */
export interface LocalTunnel {
  host: '127.0.0.1';
  port: number;
  /** Connections carried so far (tests; the status of a tunnel). */
  readonly connections: number;
  close(): void;
}

/**
 * `ssh -L 127.0.0.1:0:to.host:to.port jump` with ssh2: one SSH connection to the jump chain (host
 * keys checked, as every connection), a listener on loopback only, and one direct-tcpip channel per
 * accepted socket. The forward is proved once before the port is handed out, so a jump host that
 * refuses forwarding or cannot reach the VM is an error now and not a client that hangs.
 */
export async function openLocalTunnel(jump: SshTarget, to: { host: string; port: number }, options: SshConnectOptions): Promise<LocalTunnel> {
  const connection = await SshConnection.open(jump, options);
  const endpoint = { host: to.host, port: to.port, user: '', auth: { type: 'agent' as const } };
  try {
    (await connection.forwardTo(endpoint)).destroy();
  } catch (err) {
    connection.close();
    if (err instanceof OutpostError) throw new OutpostError('RDP_UNREACHABLE', err.message, { host: to.host, port: to.port });
    throw err;
  }
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((sock) => {
    connections++;
    sockets.add(sock);
    // A client that resets, or hangs up while the VM still sends (a write after its FIN is EPIPE),
    // ends this one connection: never an uncaught error in the process that holds every session.
    sock.on('error', () => sock.destroy());
    sock.once('close', () => sockets.delete(sock));
    connection.forwardTo(endpoint).then(
      (channel) => {
        // The client may have gone while the channel was being opened.
        if (sock.destroyed) {
          channel.destroy();
          return;
        }
        channel.on('error', () => channel.destroy());
        sock.pipe(channel).pipe(sock);
        channel.once('close', () => sock.destroy());
        sock.once('close', () => channel.destroy());
      },
      () => sock.destroy(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  connection.onClose(() => server.close());
  return {
    host: '127.0.0.1',
    port: (server.address() as AddressInfo).port,
    get connections() {
      return connections;
    },
    close() {
      server.close();
      for (const s of sockets) s.destroy();
      connection.close();
    },
  };
}
