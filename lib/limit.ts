// Go's netutil.LimitListener (golang.org/x/net/netutil): at most n accepted
// connections open at once. With a pull listener that is real back-pressure:
// while n are open no accept() reaches the inner listener, so the next
// clients wait in the kernel's accept queue (backlog + 1 of them complete
// the handshake, the rest have their SYNs retransmitted), not in this
// process's memory. net.Server's maxConnections cannot do this: libuv has
// already accepted the connection it then closes.
import type * as net from 'node:net';
import { AbortError, ErrClosed, OpError, type Addr } from './errors';
import type { AcceptOptions, Backlog, ConnectionsOptions, Listener } from './listener';
import { ConnectionIterator, connectionsOnError } from './connections';
import { Pauses } from './backoff';
import { warnAcceptError } from './lifecycle';
import { refuseMessageListener, validateCount, validateListener } from './listener-args';
import type { RawConn } from './rawconn';

interface Waiter {
  resolve: () => void;
  reject: (e: Error) => void;
}

/** A listener that keeps at most `limit` accepted connections open. */
export class LimitListener implements Listener {
  /** The most connections open at once. */
  readonly limit: number;
  readonly #inner: Listener;
  #free: number;
  readonly #waiters: Waiter[] = [];
  #closed = false;

  /** @internal use limitListener(). */
  constructor(inner: Listener, n: number) {
    this.#inner = inner;
    this.limit = n;
    this.#free = n;
  }

  /**
   * Slots in use: accepted connections not yet closed, plus an accept()
   * in progress (it takes its slot before asking the inner listener, as Go's does).
   */
  get active(): number {
    return this.limit - this.#free;
  }

  /**
   * Waits for a free slot, then for the inner listener's next connection.
   * The slot frees when that connection emits 'close' (exactly once,
   * whether it ended, errored or was destroyed). Rejects as the inner
   * accept() does once closed (Go's text: `accept tcp ADDR: use of closed
   * network connection`), or with an AbortError when `signal` aborts.
   */
  async accept(options: AcceptOptions = {}): Promise<net.Socket> {
    const signal = options?.signal;
    // Closed: the inner listener is too, and its accept() gives Go's error.
    if (this.#closed) return this.#inner.accept(options);
    if (signal?.aborted) throw new AbortError(signal);
    if (this.#free > 0) this.#free--;
    else await this.#acquire(signal);
    let conn: net.Socket;
    try {
      conn = await this.#inner.accept(options);
    } catch (e) {
      this.#release();
      throw e;
    }
    // Go releases in the wrapped conn's Close (sync.Once); a net.Socket
    // emits 'close' once, after destroy() however it came about.
    conn.once('close', () => this.#release());
    return conn;
  }

  // Resolves holding a slot; rejects on abort, or with the inner
  // listener's closed error when close() comes first.
  #acquire(signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const i = this.#waiters.indexOf(w);
        if (i >= 0) this.#waiters.splice(i, 1);
        reject(new AbortError(signal));
      };
      const w: Waiter = {
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject: (e) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(w);
    });
  }

  // A slot passes straight to the first waiter, so free never exceeds limit.
  #release(): void {
    const w = this.#waiters.shift();
    if (w !== undefined) w.resolve();
    else this.#free++;
  }

  /**
   * Closes the inner listener; accepts waiting for a slot reject with its
   * closed error. Open connections are left alone, as in Go. A second close
   * rejects as the inner listener's does.
   */
  close(): Promise<void> {
    if (this.#closed) return this.#inner.close();
    this.#closed = true;
    const closing = this.#inner.close();
    const err = new OpError('accept', this.#inner.addr().network, this.#inner.addr(), ErrClosed);
    for (const w of this.#waiters.splice(0)) w.reject(err);
    this.#pauses.cancelAll();
    return closing;
  }

  /**
   * `for await (const conn of limitListener(ln, n))`: the listener's own
   * loop (lib/connections.ts), so a temporary error such as EMFILE pauses
   * with Go's backoff and retries instead of ending the loop, as
   * `for await` over the inner listener does.
   */
  [Symbol.asyncIterator](): AsyncIterator<net.Socket> {
    return this.connections()[Symbol.asyncIterator]();
  }

  /** As Listener's connections(): yields until close, retrying temporary accept errors. */
  connections(options: ConnectionsOptions = {}): AsyncIterable<net.Socket> {
    const onError = connectionsOnError(options, warnAcceptError);
    return { [Symbol.asyncIterator]: () => new ConnectionIterator(this, onError, (ms) => this.#pause(ms)) };
  }

  // A retry pause ends at once on close(), and follows ref()/unref().
  #ref = true;
  readonly #pauses = new Pauses();
  #pause(ms: number): Promise<void> {
    return this.#pauses.wait(ms, this.#ref, this.#closed);
  }

  addr(): Addr {
    return this.#inner.addr();
  }

  /** The inner listener's backlog, when it has one. */
  get backlog(): Backlog | undefined {
    return (this.#inner as { backlog?: Backlog }).backlog;
  }

  /** Connections waiting in the kernel's queue (the inner listener's queued()). */
  queued(): number | undefined {
    return this.#inner.queued?.();
  }

  syscallConn(): RawConn {
    if (this.#inner.syscallConn === undefined) {
      throw Object.assign(new Error('the inner listener has no syscallConn()'), { code: 'ERR_METHOD_NOT_IMPLEMENTED' });
    }
    return this.#inner.syscallConn();
  }

  ref(): this {
    this.#ref = true;
    this.#inner.ref?.();
    return this;
  }

  unref(): this {
    this.#ref = false;
    this.#inner.unref?.();
    return this;
  }
}

/**
 * Go's netutil.LimitListener: a listener whose accept() waits until fewer
 * than `n` of its accepted connections are open before accepting. `n` is
 * an integer >= 1.
 */
export function limitListener(ln: Listener, n: number): LimitListener {
  validateListener(ln, 'ln');
  refuseMessageListener(ln, 'ln', 'limitListener()');
  return new LimitListener(ln, validateCount(n, '"n" argument'));
}
