/**
 * A unified diff (`diff -u` form) of two versions of a text file whose change is one contiguous
 * region, which is all Outpost ever does to a hosts file (its block is replaced or appended): the
 * common head and tail are trimmed, the rest is one hunk with up to `context` lines around it.
 * Returns '' when the texts are equal.
 */
export function unifiedDiff(before: string, after: string, path: string, context = 3): string {
  if (before === after) return '';
  const split = (t: string): string[] => (t === '' ? [] : t.replace(/\n$/, '').split('\n'));
  const a = split(before);
  const b = split(after);
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const from = Math.max(0, head - context);
  const aEnd = Math.min(a.length, a.length - tail + context);
  const bEnd = Math.min(b.length, b.length - tail + context);
  const lines: string[] = [];
  for (let i = from; i < head; i++) lines.push(` ${a[i]}`);
  for (let i = head; i < a.length - tail; i++) lines.push(`-${a[i]}`);
  for (let i = head; i < b.length - tail; i++) lines.push(`+${b[i]}`);
  for (let i = a.length - tail; i < aEnd; i++) lines.push(` ${a[i]}`);
  const range = (start: number, count: number): string => (count === 0 ? `${start},0` : count === 1 ? `${start + 1}` : `${start + 1},${count}`);
  return [`--- ${path}`, `+++ ${path} (Outpost)`, `@@ -${range(from, aEnd - from)} +${range(from, bEnd - from)} @@`, ...lines].join('\n') + '\n';
}
