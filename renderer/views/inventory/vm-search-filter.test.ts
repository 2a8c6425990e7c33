import { describe, expect, it } from 'vitest';
import { vmSearchText, vmSearchWords, vmTextMatches, type VmSummary } from '../../../core/contract';
import { fillBlocks, fillTexts, finishVmSearch, searchDone, startVmSearch, type VmSearchState } from './vm-search-filter';

const vm = (i: number): VmSummary => ({
  site: 's',
  moref: `vm-${i}`,
  name: `${['web', 'db', 'app'][i % 3]}-${i}`,
  uuid: null,
  instanceUuid: null,
  powerState: 'poweredOn',
  guestId: i % 2 ? 'ubuntu64Guest' : null,
  guestFullName: i % 5 ? 'Ubuntu Linux (64-bit)' : 'Microsoft Windows Server 2019',
  ipAddress: null,
  ipAddresses: [`10.0.${i % 7}.${i}`],
  hostName: `h${i}.corp`,
  toolsRunningStatus: null,
  host: null,
  numCpu: null,
  memoryMB: null,
  annotation: null,
  folderPath: null,
  updatedAt: '',
  removedAt: null,
});
const rows = Array.from({ length: 300 }, (_, i) => vm(i));
const direct = (query: string): VmSummary[] => rows.filter((r) => vmTextMatches(vmSearchText(r), vmSearchWords(query)));

describe('the Inventory table search', () => {
  it('typing on, deleting and changing words give exactly the rows a fresh search gives, in order', () => {
    // Each step reuses the previous state (narrowing from its hits when it can).
    const steps = ['w', 'we', 'web', 'web-1', 'web-1 0.3', 'web-1 0.', 'web-1', 'WEB-1 UBU', 'web-1 windows', 'b', 'b 1', '', 'corp', 'h1', 'h1 h2', 'zz', 'z', ''];
    let state: VmSearchState | null = null;
    for (const q of steps) {
      state = finishVmSearch(startVmSearch(rows, q, state));
      expect(state.hits, q).toEqual(direct(q));
    }
  });

  it('with the texts joined in blocks, a search finds a word by indexOf and gives exactly the rows a row-by-row search gives', () => {
    const many = Array.from({ length: 10_000 }, (_, i) => vm(i));
    const idle = startVmSearch(many, '', null);
    fillTexts(many, idle.texts, () => false);
    expect(fillBlocks(idle.texts, many.length, idle.blocks, () => true)).toBe(false); // one block per ask
    expect(fillBlocks(idle.texts, many.length, idle.blocks, () => false)).toBe(true);
    const exact = (q: string): VmSummary[] => many.filter((r) => vmTextMatches(vmSearchText(r), vmSearchWords(q)));
    // 'guestweb' and '64-bit)web' would match across two rows' texts without the separator.
    const steps = ['w', 'web-9999', 'web-99', 'b 1', 'DB-1 WINDOWS', 'corp', 'h9999.', 'guestweb', '64-bit)web', 'zz', '0.6.'];
    let state = idle;
    for (const q of steps) {
      state = startVmSearch(many, q, state, 20);
      expect(state.indexed, q).toBe(true);
      expect(finishVmSearch(state).hits, q).toEqual(exact(q));
    }
    // A word most rows hold goes on row by row once that shows; a rare one stays on the blocks.
    expect(finishVmSearch(startVmSearch(many, 'w', idle)).indexed).toBe(false);
    expect(finishVmSearch(startVmSearch(many, 'web-9999', idle)).indexed).toBe(true);
    // A finished search with few matches is narrowed row by row from them instead.
    const few = finishVmSearch(startVmSearch(many, 'web-99', idle));
    const narrowed = finishVmSearch(startVmSearch(many, 'web-999', few));
    expect(narrowed.indexed).toBe(false);
    expect(narrowed.hits).toEqual(exact('web-999'));
  });

  it('stops at the first screen of matches; typing on narrows an unfinished search from its matches so far plus the rows it had not reached, exactly', () => {
    const first = startVmSearch(rows, 'w', null, 20);
    expect(searchDone(first)).toBe(false);
    expect(first.hits).toEqual(direct('w').slice(0, 20));
    const next = startVmSearch(rows, 'we', first, 20);
    // Not every row again: the rows 'w' already ruled out are not scanned.
    expect(next.pool.length).toBe(rows.length - first.scanned + first.hits.length);
    expect(next.pool.length).toBeLessThan(rows.length);
    expect(finishVmSearch(next).hits).toEqual(direct('we'));
    const third = finishVmSearch(startVmSearch(rows, 'web-1', startVmSearch(rows, 'web', next, 5), 5));
    expect(third.hits).toEqual(direct('web-1'));
    expect(finishVmSearch(first).hits).toEqual(direct('w'));
  });

  it('computes the rows\' search texts ahead, in slices, and a search reuses them', () => {
    const many = Array.from({ length: 3000 }, (_, i) => vm(i));
    const idle = startVmSearch(many, '', null);
    expect(idle.texts).toHaveLength(0);
    // Asked every 1024 rows whether to stop: stopping at the first ask leaves the rest for later.
    expect(fillTexts(many, idle.texts, () => true)).toBe(false);
    expect(idle.texts).toHaveLength(1024);
    expect(fillTexts(many, idle.texts, () => false)).toBe(true);
    expect(idle.texts).toEqual(many.map(vmSearchText));
    const next = startVmSearch(many, 'web', idle);
    expect(next.texts).toBe(idle.texts);
  });

  it('new rows (a refetch or a re-sort) are searched afresh, not from the old hits', () => {
    const first = finishVmSearch(startVmSearch(rows, 'web', null));
    const reversed = [...rows].reverse();
    const next = finishVmSearch(startVmSearch(reversed, 'web-2', first));
    expect(next.hits).toEqual(reversed.filter((r) => vmTextMatches(vmSearchText(r), ['web-2'])));
  });
});
