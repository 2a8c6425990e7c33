import { readProperties } from './property-collector.js';
import type { VsphereSession } from './session.js';
import type { MoRef } from './xml.js';

export type HostConnectionState = 'connected' | 'disconnected' | 'notResponding';

/** What an upgrade watches on a host: is it there, which build does it run, is it in maintenance. */
export interface HostState {
  name: string;
  connectionState: HostConnectionState;
  inMaintenanceMode: boolean;
  version: string | null;
  build: string | null;
  /** Physical memory in MB (null while vCenter does not know it, e.g. disconnected). */
  memoryMB: number | null;
}

const PATHS = ['name', 'runtime.connectionState', 'runtime.inMaintenanceMode', 'config.product.version', 'config.product.build', 'summary.hardware.memorySize'];

/** Reads one host's state live from vCenter (not from the inventory, which may lag). */
export async function readHostState(session: VsphereSession, host: MoRef): Promise<HostState> {
  const p = await readProperties(session, host, PATHS);
  const str = (k: string): string | null => {
    const v = p.get(k);
    return typeof v === 'string' && v !== '' ? v : null;
  };
  const memory = p.get('summary.hardware.memorySize');
  return {
    name: str('name') ?? host.value,
    connectionState: (str('runtime.connectionState') as HostConnectionState | null) ?? 'disconnected',
    inMaintenanceMode: p.get('runtime.inMaintenanceMode') === true,
    version: str('config.product.version'),
    build: str('config.product.build'),
    memoryMB: typeof memory === 'number' ? Math.round(memory / (1024 * 1024)) : null,
  };
}
