// Go's accept-retry delay (net/http/server.go, Server.Serve): after a
// temporary accept error wait 5 ms, doubling on each further error up to
// 1 s, and start again from 5 ms after a success. A loop that retried at
// once would spin a core for as long as descriptors are exhausted, taking
// nothing, while the clients wait safely in the kernel's queue anyway.

/** The first pause after a temporary accept error, in milliseconds. */
export const ACCEPT_BACKOFF_MIN = 5;
/** The longest pause between retries, in milliseconds. */
export const ACCEPT_BACKOFF_MAX = 1000;

export class Backoff {
  #delay = 0;

  /** The pause before the next retry: 5, 10, 20, … 1000, 1000 ms. */
  next(): number {
    this.#delay = this.#delay === 0 ? ACCEPT_BACKOFF_MIN : Math.min(this.#delay * 2, ACCEPT_BACKOFF_MAX);
    return this.#delay;
  }

  /** After a success: the next error pauses 5 ms again. */
  reset(): void {
    this.#delay = 0;
  }
}

/**
 * Resolves after ms, or as soon as cancel() is called (the listener was
 * closed: the loop must end now, not after the pause). Never rejects.
 * With ref false the pause does not hold the process (an unref'd
 * listener's loop must not keep it alive for up to a second).
 */
export function pause(ms: number, ref = true): { done: Promise<void>; cancel: () => void } {
  let cancel: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    if (!ref) t.unref();
    cancel = () => {
      clearTimeout(t);
      resolve();
    };
  });
  return { done, cancel };
}

/**
 * The retry pauses of one listener's loops: each ends early when the
 * listener closes (cancelAll), so a loop in its pause ends at once. Shared
 * by Listener and LimitListener.
 */
export class Pauses {
  readonly #cancels = new Set<() => void>();

  /** Waits ms (unless the listener is already closed), holding the process only when ref. */
  async wait(ms: number, ref: boolean, closed: boolean): Promise<void> {
    if (closed) return;
    const p = pause(ms, ref);
    this.#cancels.add(p.cancel);
    try {
      await p.done;
    } finally {
      this.#cancels.delete(p.cancel);
    }
  }

  cancelAll(): void {
    for (const cancel of [...this.#cancels]) cancel();
  }
}
