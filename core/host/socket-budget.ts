import type { WebSocket } from 'ws';

/**
 * How much the host lets a client leave unread. A socket's unsent bytes are what Node still holds
 * for it (ws.bufferedAmount, plus its terminal output stream's response buffer); what the kernel
 * holds is not the host's memory.
 */
export interface SocketLimits {
  /** Over this many unsent bytes a socket is congested: it is not read and none of its requests run until it drains. */
  socketBudgetBytes: number;
  /** Congested this long: the socket is closed with CLOSE_NOT_READING and a reason. */
  stallMs: number;
  /** Over this many unsent bytes across all sockets, congested sockets are dropped at once, the largest first. */
  hostBudgetBytes: number;
  /** Requests of one socket running at once; the rest wait, and the socket is not read while any wait. */
  maxRunning: number;
  /** After the close frame of a stalled socket, how long before it is cut (a client that reads again still gets the reason). */
  closeGraceMs: number;
}

export const DEFAULT_SOCKET_LIMITS: SocketLimits = {
  socketBudgetBytes: 4 * 1024 * 1024,
  stallMs: 15_000,
  hostBudgetBytes: 256 * 1024 * 1024,
  maxRunning: 8,
  closeGraceMs: 2_000,
};

/** A socket closed because its client stopped reading (RFC 6455: policy violation). */
export const CLOSE_NOT_READING = 1008;
/** A congested socket dropped because the host as a whole held too much unsent output. */
export const CLOSE_HOST_BUSY = 1013;

const mb = (bytes: number): string => (bytes / 1048576).toFixed(1);

/** One socket's share: its requests, its congestion, its close. */
export class BudgetedSocket {
  /** Since when it has been over its budget without draining (performance.now()), or null. */
  congestedSince: number | null = null;
  private readonly waiting: (() => Promise<void>)[] = [];
  private running = 0;
  private closing = false;

  constructor(
    private readonly owner: SocketBudgets,
    readonly ws: WebSocket,
    private readonly extraUnsent: () => number,
  ) {}

  unsent(): number {
    return this.ws.bufferedAmount + this.extraUnsent();
  }

  /** Sends now (the budget decides what runs, not what is sent: what was produced goes out in order). */
  send(data: string | Uint8Array, binary = false): void {
    if (this.closing || this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(data, { binary });
    this.owner.wrote(this);
  }

  /** Queues one request; it runs when the socket has room and fewer than maxRunning of its requests run. */
  submit(job: () => Promise<void>): void {
    if (this.closing) return;
    this.waiting.push(job);
    this.pump();
  }

  /** Re-checks the budget: clears a congestion that drained, runs waiting requests, pauses or resumes reading. */
  pump(): void {
    if (this.closing) return;
    const limits = this.owner.limits;
    if (this.unsent() > limits.socketBudgetBytes) {
      this.congestedSince ??= performance.now();
      this.owner.watch();
    } else {
      this.congestedSince = null;
      while (this.waiting.length > 0 && this.running < limits.maxRunning) {
        const job = this.waiting.shift()!;
        this.running++;
        void job().finally(() => {
          this.running--;
          this.pump();
        });
        // A result sent synchronously may have filled the budget.
        if (this.unsent() > limits.socketBudgetBytes) {
          this.congestedSince = performance.now();
          this.owner.watch();
          break;
        }
      }
    }
    // Not reading is what pushes back on the client (its TCP window closes): no request piles up here.
    if (this.congestedSince !== null || this.waiting.length > 0) this.ws.pause();
    else this.ws.resume();
  }

  get hasWaiting(): boolean {
    return this.waiting.length > 0;
  }

  /** Over budget too long: a close frame with the reason, then cut after a grace period. */
  stall(now: number): void {
    const seconds = Math.round((now - (this.congestedSince ?? now)) / 1000);
    this.closeWith(CLOSE_NOT_READING, `client not reading: ${mb(this.unsent())} MB unsent for ${seconds} s`);
    setTimeout(() => this.ws.terminate(), this.owner.limits.closeGraceMs).unref();
  }

  /** The host is over its budget: cut now, the memory must come back. */
  shed(): void {
    this.closeWith(CLOSE_HOST_BUSY, `host output budget exceeded; this client had ${mb(this.unsent())} MB unread`);
    this.ws.terminate();
  }

  private closeWith(code: number, reason: string): void {
    if (this.closing) return;
    this.closing = true;
    this.waiting.length = 0;
    this.congestedSince = null;
    this.ws.close(code, reason);
  }
}

/**
 * Backpressure for the host's sockets: per-socket and host-wide budgets of unsent output. A
 * client that stops reading stops being read and served (its requests wait, bounded by what one
 * TCP read holds); after stallMs it is closed with a reason; and when unsent output across all
 * clients passes the host budget, congested clients are dropped at once, largest first.
 */
export class SocketBudgets {
  private readonly sockets = new Set<BudgetedSocket>();
  private watchdog: ReturnType<typeof setInterval> | null = null;

  constructor(readonly limits: SocketLimits) {}

  attach(ws: WebSocket, extraUnsent: () => number = () => 0): BudgetedSocket {
    const socket = new BudgetedSocket(this, ws, extraUnsent);
    this.sockets.add(socket);
    return socket;
  }

  detach(socket: BudgetedSocket): void {
    this.sockets.delete(socket);
  }

  /** After a send: note a socket that went over its budget, and shed if the host is over its own. */
  wrote(socket: BudgetedSocket): void {
    if (socket.unsent() <= this.limits.socketBudgetBytes) return;
    if (socket.congestedSince === null) {
      socket.congestedSince = performance.now();
      socket.pump();
    }
    this.watch();
    this.shedIfOver();
  }

  /** Host-wide unsent bytes. */
  unsent(): number {
    let total = 0;
    for (const s of this.sockets) total += s.unsent();
    return total;
  }

  /** Polls congested and waiting sockets until there are none (drains do not all announce themselves). */
  watch(): void {
    if (this.watchdog) return;
    const period = Math.max(10, Math.min(100, this.limits.stallMs / 4));
    this.watchdog = setInterval(() => this.tick(), period);
    this.watchdog.unref();
  }

  close(): void {
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = null;
  }

  private tick(): void {
    const now = performance.now();
    let busy = false;
    for (const s of [...this.sockets]) {
      if (s.congestedSince !== null && now - s.congestedSince >= this.limits.stallMs && s.unsent() > this.limits.socketBudgetBytes) {
        s.stall(now);
        continue;
      }
      s.pump();
      if (s.congestedSince !== null || s.hasWaiting) busy = true;
    }
    this.shedIfOver();
    if (!busy) this.close();
  }

  private shedIfOver(): void {
    let total = this.unsent();
    if (total <= this.limits.hostBudgetBytes) return;
    const congested = [...this.sockets].filter((s) => s.congestedSince !== null).sort((a, b) => b.unsent() - a.unsent());
    for (const s of congested) {
      if (total <= this.limits.hostBudgetBytes) break;
      total -= s.unsent();
      s.shed();
      this.sockets.delete(s);
    }
  }
}
