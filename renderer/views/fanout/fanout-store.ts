import { createStore } from 'zustand/vanilla';
import type { EventPayload, FanoutJob } from '../../../core/contract';

export interface VmTarget {
  site: string;
  /** The VM's managed object id. */
  vm: string;
  name: string;
  address: string | null;
}

/** A host of the operator's ~/.ssh/config, sent by alias (core resolves HostName, Port, User and ProxyJump). */
export interface ConfigTarget {
  alias: string;
  /** user@host:port as the config names it (shown only). */
  address: string;
  proxyJump: string[];
}

export type SortKey = 'index' | 'host' | 'exit' | 'duration';

export interface FanoutState {
  /** The form, kept while the operator looks at terminals or another page. */
  hostsText: string;
  vms: VmTarget[];
  /** The SSH port on every picked VM's guest IP. */
  vmPort: string;
  configHosts: ConfigTarget[];
  /** Jump host(s) every target goes through, as typed, and each hop's credential profile ('' = the targets', null = the previous hop's). */
  jumpsText: string;
  jumpCredentials: (string | null)[];
  credential: string;
  user: string;
  concurrency: string;
  timeoutSeconds: string;
  command: string;
  /** The job on screen: metadata and first lines only (bounded by core). */
  job: FanoutJob | null;
  sort: { key: SortKey; descending: boolean };
  failedOnly: boolean;
  set(patch: Partial<Omit<FanoutState, 'set' | 'applyResult' | 'applyDone' | 'sortBy'>>): void;
  applyResult(event: EventPayload<'fanout.result'>): void;
  applyDone(event: EventPayload<'fanout.done'>): void;
  sortBy(key: SortKey): void;
}

export function createFanoutStore() {
  return createStore<FanoutState>()((set) => ({
    hostsText: '',
    vms: [],
    vmPort: '22',
    configHosts: [],
    jumpsText: '',
    jumpCredentials: [],
    credential: '',
    user: '',
    concurrency: '20',
    timeoutSeconds: '60',
    command: '',
    job: null,
    sort: { key: 'index', descending: false },
    failedOnly: false,
    set: (patch) => set(patch),
    applyResult: ({ jobId, row, totals }) =>
      set((s) => {
        if (!s.job || s.job.id !== jobId) return s;
        const rows = s.job.rows.slice();
        rows[row.index] = row;
        return { job: { ...s.job, rows, totals } };
      }),
    applyDone: ({ jobId, state, totals }) =>
      set((s) => (!s.job || s.job.id !== jobId ? s : { job: { ...s.job, state, totals } })),
    sortBy: (key) => set((s) => ({ sort: { key, descending: s.sort.key === key ? !s.sort.descending : false } })),
  }));
}

export const fanoutStore = createFanoutStore();
