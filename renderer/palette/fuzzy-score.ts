/**
 * Scores how well `query` matches `text` as an in-order subsequence (case-insensitive), or
 * null when it does not. Consecutive characters and word starts score higher, so "aud" ranks
 * "Audit log" above "Host upgrades" and "ni" finds "NAT & IPAM" by its initials.
 */
export function fuzzyScore(query: string, text: string): number | null {
  const q = query.trim().toLowerCase();
  if (q === '') return 0;
  const t = text.toLowerCase();
  let score = 0;
  let from = 0;
  let previous = -2;
  for (const char of q) {
    if (char === ' ') continue;
    const at = t.indexOf(char, from);
    if (at === -1) return null;
    const wordStart = at === 0 || /[\s&/\-.]/.test(t[at - 1] ?? '');
    score += 1;
    if (at === previous + 1) score += 3;
    if (wordStart) score += 4;
    previous = at;
    from = at + 1;
  }
  // Shorter labels and earlier first matches are closer to what was typed.
  return score - t.length * 0.01 - (t.indexOf(q[0] ?? '') * 0.1);
}

// A match only in an item's keywords ranks below a match in its label.
const SECONDARY_TEXT_PENALTY = 6;

/**
 * Keeps the items that match, best first; ties keep their original order. `textsOf` gives the
 * label first, then extra words to match on.
 */
export function fuzzyFilter<T>(query: string, items: readonly T[], textsOf: (item: T) => readonly string[]): T[] {
  const ranked: { item: T; score: number; index: number }[] = [];
  items.forEach((item, index) => {
    let best: number | null = null;
    textsOf(item).forEach((text, rank) => {
      const score = fuzzyScore(query, text);
      if (score === null) return;
      const adjusted = score - rank * SECONDARY_TEXT_PENALTY;
      if (best === null || adjusted > best) best = adjusted;
    });
    if (best !== null) ranked.push({ item, score: best, index });
  });
  return ranked.sort((a, b) => b.score - a.score || a.index - b.index).map((r) => r.item);
}
