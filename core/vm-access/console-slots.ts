import { randomBytes } from 'node:crypto';

/** A console window waiting to be opened: the ticket's URL, held in memory only, served once. */
export interface ConsoleSlot {
  vm: string;
  /** wss://host:port: the only origin the console window may connect to. */
  origin: string;
  /** The ticket's wss URL (it contains the one-time ticket). */
  url: string;
  expiresAt: number;
}

/** How long an unopened console may wait (vCenter's webmks tickets expire soon as well). */
export const CONSOLE_SLOT_TTL_MS = 60_000;

/**
 * One-time console slots. A ticket lives here between `vm.console.open` and the window fetching
 * its page, never longer than the TTL, never in the store, never in a log; claiming removes it.
 */
export class ConsoleSlots {
  private readonly slots = new Map<string, ConsoleSlot>();

  constructor(private readonly now: () => number = Date.now) {}

  add(slot: Omit<ConsoleSlot, 'expiresAt'>): { id: string; expiresAt: number } {
    this.sweep();
    const id = randomBytes(24).toString('base64url');
    const expiresAt = this.now() + CONSOLE_SLOT_TTL_MS;
    this.slots.set(id, { ...slot, expiresAt });
    return { id, expiresAt };
  }

  /** The slot, once: a second claim (a reload, a copied link) finds nothing. */
  claim(id: string): ConsoleSlot | null {
    this.sweep();
    const slot = this.slots.get(id) ?? null;
    this.slots.delete(id);
    return slot;
  }

  get size(): number {
    this.sweep();
    return this.slots.size;
  }

  private sweep(): void {
    const now = this.now();
    for (const [id, slot] of this.slots) if (slot.expiresAt <= now) this.slots.delete(id);
  }
}
