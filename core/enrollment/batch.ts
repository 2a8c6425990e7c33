/**
 * Runs `work` over items with at most `limit` at once, in order of start; results keep the items'
 * order. A rejected item is re-thrown only after every item ran (callers that must not stop on one
 * failure catch inside `work`).
 */
export async function runBounded<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let firstError: { error: unknown } | null = null;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      try {
        results[i] = await work(items[i]!, i);
      } catch (error) {
        firstError ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  if (firstError) throw (firstError as { error: unknown }).error;
  return results;
}
