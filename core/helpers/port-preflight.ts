import { connect } from 'node:net';
import { OutpostError } from '../contract/errors.js';

export interface PortTarget {
  host: string;
  port: number;
}

export type PortStatus = 'open' | 'refused' | 'timeout' | 'unreachable' | 'dns-error' | 'error';

export interface PortResult extends PortTarget {
  status: PortStatus;
  /** Time to connect (open) or to the failure. */
  latencyMs: number;
  detail: string | null;
}

/** Seed 004: the TCP ports an XOS controller needs open through a firewall. */
export const presets: Record<string, number[]> = {
  'xos-controller': [22, 3128, 5000, 8080, 8777, 9292, 9696, 35357],
};

/** Parses HOST:PORT, [IPv6]:PORT. */
export function parseTarget(text: string): PortTarget {
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(text) ?? /^([^:\s]+):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < 1 || port > 65535) throw new OutpostError('VALIDATION', `"${text}" is not HOST:PORT (e.g. 10.0.0.5:22 or [2001:db8::5]:443).`);
  return { host: m[1]!, port };
}

function classify(code: string | undefined): PortStatus {
  switch (code) {
    case 'ECONNREFUSED':
      return 'refused';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'unreachable';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'dns-error';
    default:
      return 'error';
  }
}

export function checkPort(target: PortTarget, timeoutMs: number): Promise<PortResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = connect({ host: target.host, port: target.port });
    const done = (status: PortStatus, detail: string | null): void => {
      socket.destroy();
      resolve({ ...target, status, latencyMs: Math.round((performance.now() - started) * 10) / 10, detail });
    };
    socket.setTimeout(timeoutMs, () => done('timeout', `no answer within ${timeoutMs} ms`));
    socket.once('connect', () => done('open', null));
    socket.once('error', (err: NodeJS.ErrnoException) => done(classify(err.code), err.code ?? err.message));
  });
}

/** Checks many targets with bounded concurrency; results come back in the order given. */
export async function preflight(targets: PortTarget[], options: { timeoutMs?: number; concurrency?: number } = {}): Promise<PortResult[]> {
  const timeoutMs = options.timeoutMs ?? 3000;
  const concurrency = Math.max(1, Math.min(options.concurrency ?? 32, 256));
  const results: PortResult[] = new Array<PortResult>(targets.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < targets.length) {
      const i = next++;
      results[i] = await checkPort(targets[i]!, timeoutMs);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, targets.length) }, worker));
  return results;
}
