// Go's net.Listener is an interface (Accept, Close, Addr) and *TCPListener
// one type behind it; serve() and limitListener() take the interface, so a
// limit listener, or any wrapper of the user's, can stand where a Listener
// does. Plus the argument checks both share, in Node's error shapes.
import type * as net from 'node:net';
import type { Addr } from './errors';
import type { AcceptOptions } from './listener';
import type { RawConn } from './rawconn';
import { describe } from './validate';

export { describe };

/** What serve() and limitListener() need of a listener: Go's net.Listener. */
export interface ListenerLike {
  accept(options?: AcceptOptions): Promise<net.Socket>;
  close(): Promise<void>;
  addr(): Addr;
  // Optional, forwarded where present (a Listener has them all).
  ref?(): unknown;
  unref?(): unknown;
  queued?(): number | undefined;
  syscallConn?(): RawConn;
}

/** @internal */
export function argError(ctor: new (message: string) => Error, code: string, message: string): Error {
  return Object.assign(new ctor(message), { code });
}

/** @internal Throws unless `ln` has accept, close and addr methods. */
export function validateListener(ln: unknown, name: string): asserts ln is ListenerLike {
  const l = ln as Partial<ListenerLike> | null;
  if (
    typeof l !== 'object' ||
    l === null ||
    typeof l.accept !== 'function' ||
    typeof l.close !== 'function' ||
    typeof l.addr !== 'function'
  ) {
    throw argError(
      TypeError,
      'ERR_INVALID_ARG_TYPE',
      `The "${name}" argument must be a Listener (an object with accept, close and addr methods). Received ${describe(ln)}`,
    );
  }
}

/**
 * @internal Throws the listener's own ErrClosed OpError if it says it is
 * closed (through syscallConn, which every Listener has); a listener
 * without syscallConn is taken as open.
 */
export function assertOpen(ln: ListenerLike): void {
  ln.syscallConn?.().control(() => undefined);
}

/** @internal A count of connections: an integer >= 1. */
export function validateCount(v: unknown, what: string): number {
  if (typeof v !== 'number') {
    throw argError(TypeError, 'ERR_INVALID_ARG_TYPE', `The ${what} must be of type number. Received ${describe(v)}`);
  }
  if (!Number.isInteger(v) || v < 1) {
    throw argError(
      RangeError,
      'ERR_OUT_OF_RANGE',
      `The value of ${what.replace(/ (argument|option)$/, '')} is out of range. It must be an integer >= 1. Received ${String(v)}`,
    );
  }
  return v;
}
