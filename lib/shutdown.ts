// Go's Server.Shutdown, the waiting half: close what is idle now, and again
// as in-flight requests finish (Go polls closeIdleConns from 1 ms, doubling
// to 500 ms, with 10% jitter), until nothing is left or nobody waits.
// http.Server's own close() closes idle connections once only, so a
// keep-alive connection whose request was in flight would otherwise stay
// open until keepAliveTimeout.
import type * as net from 'node:net';
import { AbortError } from './errors';

const POLL_MIN = 1;
const POLL_MAX = 500;

export class IdleCloser {
  readonly #server: { closeIdleConnections?: () => void };
  readonly #left: () => number;
  #waiting = 0;
  #timer: NodeJS.Timeout | undefined;

  /** `left()`: connections still open. */
  constructor(server: net.Server, left: () => number) {
    this.#server = server as { closeIdleConnections?: () => void };
    this.#left = left;
  }

  /** One more shutdown() waiting; starts polling (servers with closeIdleConnections only). */
  hold(): void {
    this.#waiting++;
    if (this.#timer === undefined && typeof this.#server.closeIdleConnections === 'function') this.#tick(POLL_MIN);
  }

  /** That shutdown() is done (resolved or aborted); the last one stops the poll. */
  release(): void {
    if (--this.#waiting === 0) this.stop();
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #tick(delay: number): void {
    this.#timer = undefined;
    if (this.#waiting === 0 || this.#left() === 0) return;
    this.#server.closeIdleConnections!();
    const next = Math.min(delay * 2, POLL_MAX);
    // Unref'd: open connections keep the process alive, the poll need not.
    this.#timer = setTimeout(() => this.#tick(next), next * (0.9 + Math.random() * 0.2)).unref();
  }
}

/** p, or an AbortError as soon as `signal` aborts (p itself never rejects). */
export function untilAborted(p: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (signal === undefined) return p;
  if (signal.aborted) return Promise.reject(new AbortError(signal));
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(new AbortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    void p.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}
