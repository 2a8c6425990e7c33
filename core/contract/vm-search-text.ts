/**
 * What a VM search means, in one place for every side that searches: the store (an FTS5 trigram
 * index, core/inventory/inventory-store.ts), the CLI and the palette (which ask the store) and the
 * Inventory table (which holds every row already and filters them in the renderer, no round trip).
 *
 * The query is split on whitespace into words; a VM matches when every word occurs, anywhere and
 * ignoring case, inside one of its searched fields: name, guest IP addresses, guest host name,
 * guest OS (full name or guest id). "M499" finds vm499 and prod-vm4990; "10.0.12" finds
 * 10.0.12.7 and 110.0.12.1. A word never spans two fields.
 */

/** The searched fields of a VM, as vms.list returns it. */
export interface VmSearchFields {
  name: string;
  ipAddresses: readonly string[];
  hostName: string | null;
  guestFullName: string | null;
  guestId: string | null;
}

/** The words of a query, lower-cased unless asked (empty: no search). */
export function vmSearchWords(query: string, options: { keepCase?: boolean } = {}): string[] {
  return (options.keepCase ? query : query.toLowerCase()).split(/\s+/).filter((w) => w.length > 0);
}

/**
 * The text a VM is searched in: its fields lower-cased, joined by a newline. A word holds no
 * whitespace, so it can never match across two fields, exactly as the store's per-column index.
 */
export function vmSearchText(vm: VmSearchFields): string {
  return [vm.name, vm.ipAddresses.join(' '), vm.hostName ?? '', vm.guestFullName ?? '', vm.guestId ?? ''].join('\n').toLowerCase();
}

/** Whether a VM's search text (vmSearchText) holds every word (vmSearchWords). */
export function vmTextMatches(text: string, words: readonly string[]): boolean {
  for (const w of words) if (!text.includes(w)) return false;
  return true;
}
