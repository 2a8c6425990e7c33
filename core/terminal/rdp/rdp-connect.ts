import { OutpostError } from '../../contract/errors.js';
import type { SshConnectOptions } from '../../ssh/ssh-connection.js';
import type { SshEndpoint } from '../../ssh/ssh-target.js';
import { checkRdpLogin, launchRdp, type RdpLogin } from './rdp-client.js';
import { openLocalTunnel, type LocalTunnel } from './ssh-tunnel.js';

/** "DOMAIN\user" → domain + user (what mstsc accepts); "user@domain" stays one UPN. */
export function splitRdpUser(name: string): { user: string; domain?: string } {
  const i = name.indexOf('\\');
  return i > 0 ? { user: name.slice(i + 1), domain: name.slice(0, i) } : { user: name };
}

export interface RdpConnectRequest {
  address: string;
  port: number;
  user: string;
  password: string;
  /** Jump chain, first hop first; the last hop forwards to address:port. */
  jumps: SshEndpoint[];
  hostKeys: SshConnectOptions['hostKeys'];
  program: string;
  /** Only authenticate (+auth-only) and report; no window. */
  check: boolean;
  title?: string;
}

export interface RdpConnectResult {
  /** The client's pid while it runs (null for a check). */
  pid: number | null;
  /** 127.0.0.1:PORT of the SSH tunnel, when one carries the session. */
  tunnel: string | null;
}

/**
 * Starts (or checks) an RDP login, through an SSH local forward when jump hosts are given. The
 * tunnel lives as long as the client: it is closed when the client exits (or at once after a check
 * or a failed start), so no port stays open behind the operator.
 */
export async function connectRdp(r: RdpConnectRequest): Promise<RdpConnectResult> {
  let tunnel: LocalTunnel | null = null;
  if (r.jumps.length > 0) {
    const last = r.jumps[r.jumps.length - 1]!;
    tunnel = await openLocalTunnel({ ...last, jumps: r.jumps.slice(0, -1) }, { host: r.address, port: r.port }, { hostKeys: r.hostKeys });
  }
  const login: RdpLogin = { ...splitRdpUser(r.user), host: tunnel?.host ?? r.address, port: tunnel?.port ?? r.port };
  const where = tunnel ? `127.0.0.1:${tunnel.port}` : null;
  try {
    if (r.check) {
      await checkRdpLogin(login, r.password, { program: r.program });
      tunnel?.close();
      return { pid: null, tunnel: where };
    }
    const session = await launchRdp(login, r.password, { program: r.program, ...(r.title ? { title: r.title } : {}) });
    if (tunnel) {
      const t = tunnel;
      void session.exited.then(() => t.close());
    }
    return { pid: session.pid, tunnel: where };
  } catch (err) {
    tunnel?.close();
    if (err instanceof OutpostError && tunnel && err.code === 'RDP_UNREACHABLE') {
      throw new OutpostError('RDP_UNREACHABLE', `The tunnel is up but nothing answers RDP at ${r.address}:${r.port} behind the jump host.`, { host: r.address, port: r.port });
    }
    throw err;
  }
}
