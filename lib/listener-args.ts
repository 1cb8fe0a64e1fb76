// The argument checks serve() and limitListener() share, in Node's error
// shapes. They take the Listener interface (listener.ts); at run time only
// accept, close and addr are required, the methods they call.
import type { Listener } from './listener';
import { describe } from './validate';

export { describe };

/** @internal */
export function argError(ctor: new (message: string) => Error, code: string, message: string): Error {
  return Object.assign(new ctor(message), { code });
}

/** @internal Throws unless `ln` has accept, close and addr methods. */
export function validateListener(ln: unknown, name: string): asserts ln is Listener {
  const l = ln as Partial<Listener> | null;
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
 * @internal Throws ERR_INVALID_ARG_VALUE for a listener of message
 * connections (a unixpacket UnixListener yields UnixConns, not
 * net.Sockets): `what` works on byte-stream connections only, and would
 * otherwise fail at the first connection, outside the caller's reach.
 */
export function refuseMessageListener(ln: Listener, name: string, what: string): void {
  let network: unknown;
  try {
    network = ln.addr()?.network;
  } catch {
    return; // a closed or odd listener: the later checks speak
  }
  if (network === 'unixpacket') {
    throw argError(
      TypeError,
      'ERR_INVALID_ARG_VALUE',
      `The "${name}" argument must be a listener of stream connections (net.Socket): ${what} cannot use a unixpacket listener, whose accept() yields UnixConn message connections. Received a unixpacket listener`,
    );
  }
}

/**
 * @internal Throws the listener's own ErrClosed OpError if it says it is
 * closed (through syscallConn, which every Listener has); a listener
 * without syscallConn is taken as open.
 */
export function assertOpen(ln: Listener): void {
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
