// Go's syscall.RawConn: access to the raw descriptor (a file descriptor on
// POSIX, a SOCKET on Windows) of a listener or a connection while it is
// valid, and syscallConn(conn), Go's TCPConn.SyscallConn for the
// connections and packet sockets this package hands out.
import type * as dgram from 'node:dgram';
import * as net from 'node:net';
import { ErrClosed, OpError } from './errors';
import type { Sock } from './native';
import { adoptedSocket } from './tcp-wrap';

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
      throw Object.assign(new TypeError('The "fn" argument must be of type function'), { code: 'ERR_INVALID_ARG_TYPE' });
    }
    const err = this.#closed();
    if (err !== undefined) throw err;
    return fn(this.#fd);
  }
}

// The descriptor of each dgram.Socket listenPacket made, and whether it is
// closed: dgram's own handle is private (reading it is deprecated, DEP0112).
const packetSocks = new WeakMap<dgram.Socket, { fd: Sock; network: string; closed: boolean }>();

/** @internal */
export function rememberPacketSocket(ds: dgram.Socket, fd: Sock, network: string): void {
  const entry = { fd, network, closed: false };
  packetSocks.set(ds, entry);
  ds.once('close', () => (entry.closed = true));
}

interface HandleFd {
  _handle?: { fd?: number } | null;
}

/**
 * Go's TCPConn.SyscallConn (and UnixConn's, UDPConn's): a RawConn over the
 * socket of a connection accepted by this package's listeners, or of a
 * dgram.Socket from listenPacket, so setsockopt and getsockopt work on it
 * without private fields. `control` throws an OpError wrapping ErrClosed
 * once the connection is destroyed (or the dgram socket closed); a socket
 * this package did not make throws ERR_INVALID_ARG_TYPE, except, on POSIX,
 * any net.Socket with a descriptor.
 */
export function syscallConn(conn: net.Socket | dgram.Socket): RawConn {
  const packet = packetSocks.get(conn as dgram.Socket);
  if (packet !== undefined) {
    return new ValidRawConn(packet.fd, () =>
      packet.closed ? new OpError('raw-control', packet.network, undefined, ErrClosed) : undefined,
    );
  }
  if (conn instanceof net.Socket) {
    const s = conn as net.Socket & HandleFd;
    // Windows reports no descriptor for a TCP handle; the adopting code
    // remembered the SOCKET (lib/tcp-wrap.ts).
    const fd = adoptedSocket(conn) ?? s._handle?.fd;
    if (typeof fd === 'number' && fd >= 0) {
      const network = conn.remoteFamily === undefined ? 'unix' : 'tcp';
      return new ValidRawConn(fd, () =>
        conn.destroyed || s._handle == null ? new OpError('raw-control', network, undefined, ErrClosed) : undefined,
      );
    }
  }
  throw Object.assign(
    new TypeError('The "conn" argument must be a connection accepted by a listenconfig listener or a socket from listenPacket'),
    { code: 'ERR_INVALID_ARG_TYPE' },
  );
}
