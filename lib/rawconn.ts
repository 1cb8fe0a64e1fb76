// Go's syscall.RawConn: access to the raw descriptor (a file descriptor on
// POSIX, a SOCKET on Windows) of a listener or a connection while it is
// valid. syscallConn(conn), which makes one for a connection, is
// syscallconn.ts.
import type { Sock } from './native';

/** Go's syscall.RawConn, reduced to what a listening socket supports. */
export interface RawConn {
  /**
   * Calls fn with the socket and returns what fn returns. The socket must
   * not be closed by fn, nor used after fn returns. Throws once the
   * listener (or, inside a Control hook, the hook) is done.
   */
  control<T>(fn: (fd: Sock) => T): T;
}

/** A RawConn whose validity a callback decides; `closed` makes the error. */
export class ValidRawConn implements RawConn {
  readonly #fd: Sock;
  readonly #closed: () => Error | undefined;
  constructor(fd: Sock, closed: () => Error | undefined) {
    this.#fd = fd;
    this.#closed = closed;
  }
  control<T>(fn: (fd: Sock) => T): T {
    if (typeof fn !== 'function') {
      throw Object.assign(new TypeError('The "fn" argument must be of type function'), {
        code: 'ERR_INVALID_ARG_TYPE',
      });
    }
    const err = this.#closed();
    if (err !== undefined) throw err;
    return fn(this.#fd);
  }
}
