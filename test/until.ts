/**
 * Polls `read` until `ok` accepts its value, or fails after `timeoutMs` naming what it waited for
 * and the last value seen (cut to 2,000 characters). For tests that watch a peer change behind
 * Outpost's back (vcsim, sshd) and wait for the store or an event to follow.
 */
export async function until<T>(what: string, read: () => T | Promise<T>, ok: (v: T) => boolean, timeoutMs = 10_000, pollMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(v)?.slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** `until` with another default timeout (and poll interval), for a file whose waits are all longer or shorter. */
export function untilWithin(timeoutMs: number, pollMs = 50): typeof until {
  return (what, read, ok, ms = timeoutMs, poll = pollMs) => until(what, read, ok, ms, poll);
}
