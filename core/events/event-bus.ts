import type { EventName, EventPayload } from '../contract/events.js';

export type EventListener = <E extends EventName>(event: E, payload: EventPayload<E>) => void;

/** In-process fan-out of contract events to whichever transports are attached. */
export class EventBus {
  private readonly listeners = new Set<EventListener>();

  emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    for (const listener of this.listeners) {
      try {
        listener(event, payload);
      } catch {
        // A broken transport must not stop the others or the service that emitted.
      }
    }
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
