import { defaultSettings, type CommandName, type Result, type Settings, type Status } from '../../core/contract';
import { createConnectionCell, type ConnectedBridge, type ConnectionState } from '../transport/connection-state';

/** What a fake command answers: a value (ok) or a contract error (fail). */
export type FakeAnswer = Result<unknown>;
export type FakeHandler = (input: unknown) => FakeAnswer | Promise<FakeAnswer>;

export interface FakeBridge extends ConnectedBridge {
  /** Every invoke, in order, so tests can assert what the renderer asked for. */
  readonly calls: { command: string; input: unknown }[];
  emit(event: string, payload: unknown): void;
  setConnection(state: ConnectionState): void;
  listenerCount(event: string): number;
}

export const fakeStatus: Status = {
  sitesTotal: 0,
  sitesConnected: 0,
  tasks: { running: 0, waiting: 0 },
  vault: { kind: 'passphrase', initialised: false, unlocked: false },
};

/**
 * A FAKE RawBridge for component tests only: answers commands from an in-memory table instead
 * of a host, so a test can script success, errors and events. The real transports are covered
 * by their own tests and by the Playwright e2e against the real host.
 */
export function createFakeBridge(overrides: Partial<Record<CommandName, FakeHandler>> = {}, settings: Settings = defaultSettings): FakeBridge {
  const ok = (value: unknown): FakeAnswer => ({ ok: true, value });
  // Commands a test does not script answer UNKNOWN_COMMAND, so a view calling something new fails loudly.
  const defaults: Partial<Record<CommandName, FakeHandler>> = {
    'app.info': () =>
      ok({ version: '0.0.0-test', transport: 'test', dataDir: '/fake/data', dbPath: '/fake/data/outpost.db', schemaVersion: 1, platform: 'test' }),
    'status.get': () => ok(fakeStatus),
    'settings.get': () => ok(settings),
    'settings.update': (input) => ok({ ...settings, ...(input as Partial<Settings>) }),
    'audit.list': () => ok({ entries: [], nextBeforeId: null }),
    'sites.list': () => ok([]),
    'vms.list': () => ok([]),
    'inventory.watch.status': () => ok([]),
    'events.list': () => ok({ events: [], next: null, lastId: 0 }),
    'procedures.list': () => ok([]),
    'tasks.list': () => ok({ tasks: [], counts: { running: 0, waiting: 0 } }),
    'ipam.pools.list': () => ok([]),
    'ipam.allocations.list': () => ok([]),
    'firewalls.list': () => ok([]),
    'nat.list': () => ok({ records: [], orphans: [], unreachable: [] }),
    'cmdb.orphans': () => ok({ orphans: [], drift: [] }),
    'vault.status': () => ok(fakeStatus.vault),
    'vault.unlock': () => ok(fakeStatus.vault),
    'helpers.preflight.lists': () => ok([]),
    'credentials.list': () => ok([]),
    'knownHosts.list': () => ok([]),
  };
  const handlers = { ...defaults, ...overrides };
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const connection = createConnectionCell({ phase: 'connected', transport: 'host' });
  const calls: { command: string; input: unknown }[] = [];

  return {
    kind: 'host',
    connection,
    calls,
    async invoke(command, input) {
      calls.push({ command, input });
      const handler = handlers[command as CommandName];
      if (!handler) return { ok: false, error: { code: 'UNKNOWN_COMMAND', message: `Unknown command ${command}` } };
      return handler(input);
    },
    on(event, listener) {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      set.add(listener);
      return () => {
        set.delete(listener);
      };
    },
    emit(event, payload) {
      for (const listener of [...(listeners.get(event) ?? [])]) listener(payload);
    },
    setConnection: (state) => connection.set(state),
    listenerCount: (event) => listeners.get(event)?.size ?? 0,
    close: () => undefined,
  };
}
