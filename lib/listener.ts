// Listener: Go's net.Listener interface, what serve(), limitListener() and
// `for await` take, and the option and backlog types of every listener. The
// pull-accept engine that TCPListener and UnixListener share is
// stream-listener.ts.
import type * as net from 'node:net';
import type { Addr, OpError } from './errors';
import { binding } from './native';
import type { RawConn } from './rawconn';

/** The backlog given to listen(2) and the one the kernel applied. */
export interface Backlog {
  /** The value passed to listen(2): the option, or maxListenerBacklog() for 0. */
  readonly requested: number;
  /** The queue length in force: read back from the kernel where it says (Linux), else computed. */
  readonly effective: number;
}

export interface AcceptOptions {
  /** Rejects this accept() with an AbortError; the listener stays open. */
  signal?: AbortSignal;
}

/** What `connections()` does with an accept error it retries. */
export interface ConnectionsOptions {
  /**
   * Called with each temporary accept error (EMFILE and the like, see
   * `OpError.temporary()`) and the pause before the next try, in ms.
   * Default: a process warning, as Go's http.Server logs each one.
   */
  onError?: (err: OpError, retryInMs: number) => void;
}

/**
 * Go's net.Listener: what serve(), limitListener() and `for await` need.
 * TCPListener and UnixListener implement it, and so does LimitListener; a
 * wrapper of your own can too. The optional methods are forwarded by
 * wrappers where present.
 */
export interface Listener extends AsyncIterable<net.Socket> {
  /** The next connection; rejects with an OpError wrapping ErrClosed once closed. */
  accept(options?: AcceptOptions): Promise<net.Socket>;
  close(): Promise<void>;
  addr(): Addr;
  ref?(): unknown;
  unref?(): unknown;
  queued?(): number | undefined;
  syscallConn?(): RawConn;
}

/**
 * The value of the interface's name: `x instanceof Listener` says whether
 * x implements the interface (accept, close and addr methods and an async
 * iterator), as a Go type assertion to net.Listener would;
 * `Listener.acceptBatch` is the accept batch size.
 */
export const Listener: {
  readonly acceptBatch: number;
  [Symbol.hasInstance](v: unknown): v is Listener;
} = Object.freeze({
  acceptBatch: binding.Acceptor.batch as number,
  [Symbol.hasInstance](v: unknown): v is Listener {
    const l = v as Partial<Listener> | null;
    return (
      typeof l === 'object' &&
      l !== null &&
      typeof l.accept === 'function' &&
      typeof l.close === 'function' &&
      typeof l.addr === 'function' &&
      typeof l[Symbol.asyncIterator] === 'function'
    );
  },
});
