import { describe, expect, it } from 'vitest';
import { emptyJournal, mergeJournal, type JournalLine } from './procedure-journal';

const line = (id: number): JournalLine => ({ id, stepIdx: null, at: '2025-01-01T00:00:00Z', level: 'info', message: `line ${id}` });

describe('procedure journal', () => {
  it('merges fetched and live lines once each, in id order', () => {
    const live = mergeJournal(emptyJournal, [line(3)]);
    const merged = mergeJournal(live, [line(1), line(2), line(3)]);
    expect(merged.lines.map((l) => l.id)).toEqual([1, 2, 3]);
    expect(mergeJournal(merged, [line(2)])).toBe(merged);
  });

  it('keeps the newest lines within the limit and counts what it dropped', () => {
    let journal = emptyJournal;
    for (let id = 1; id <= 12; id++) journal = mergeJournal(journal, [line(id)], 5);
    expect(journal.lines.map((l) => l.id)).toEqual([8, 9, 10, 11, 12]);
    expect(journal.dropped).toBe(7);
    // A refetch bringing old lines back does not grow it again.
    expect(mergeJournal(journal, [line(1), line(2)], 5)).toBe(journal);
  });
});
