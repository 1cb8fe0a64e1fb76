// Go's syscall.RawConn: access to the raw descriptor (a file descriptor on
// POSIX, a SOCKET on Windows) of a listener or a connection while it is
// valid, and syscallConn(conn), Go's TCPConn.SyscallConn for the
// connections and packet sockets this package hands out.
import type * as dgram from 'node:dgram';
import * as net from 'node:net';
import { formatTCPAddr } from './address';
import { ErrClosed, OpError, type Addr } from './errors';
import { binding, type Sock } from './native';
import { constants } from './sockopt';
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
const packetSocks = new WeakMap<dgram.Socket, { fd: Sock; network: string; laddr: Addr | undefined; closed: boolean }>();

/** @internal */
export function rememberPacketSocket(ds: dgram.Socket, fd: Sock, network: string): void {
  const entry = { fd, network, laddr: localAddr(fd, network), closed: false };
  packetSocks.set(ds, entry);
  ds.once('close', () => (entry.closed = true));
}

/**
 * The socket's local address for error texts, as Go's OpError names
 * fd.laddr (`raw-control tcp 127.0.0.1:80: use of closed network
 * connection`). Go reads it at accept; here it is read when asked for, so
 * accepting costs no getsockname. An unnamed unix socket has none (Go
 * prints a stray '@' there).
 */
function localAddr(fd: Sock, network: string): Addr | undefined {
  const n = binding.getsockname(fd);
  if (typeof n === 'number' || n.host === '') return undefined;
  const text = n.domain === constants.AF_UNIX ? n.host : formatTCPAddr({ ip: n.host, zone: n.zone, port: n.port });
  return { network, toString: () => text };
}

function closedConn(network: string, laddr: Addr | undefined): ValidRawConn {
  const err = new OpError('raw-control', network, laddr, ErrClosed);
  return new ValidRawConn(-1, () => err);
}

function tcpAddrOf(conn: net.Socket): Addr {
  const text = formatTCPAddr({ ip: conn.localAddress ?? '', zone: '', port: conn.localPort ?? 0 });
  return { network: 'tcp', toString: () => text };
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
      packet.closed ? new OpError('raw-control', packet.network, packet.laddr, ErrClosed) : undefined,
    );
  }
  if (conn instanceof net.Socket) {
    const s = conn as net.Socket & HandleFd;
    // Windows reports no descriptor for a TCP handle; the adopting code
    // remembered the SOCKET (lib/tcp-wrap.ts).
    const fd = adoptedSocket(conn) ?? s._handle?.fd;
    const network = conn.remoteFamily === undefined ? 'unix' : 'tcp';
    if (typeof fd === 'number' && fd >= 0 && !conn.destroyed) {
      const laddr = localAddr(fd, network);
      return new ValidRawConn(fd, () =>
        conn.destroyed || s._handle == null ? new OpError('raw-control', network, laddr, ErrClosed) : undefined,
      );
    }
    // Go's SyscallConn on a closed conn succeeds and Control then fails;
    // the address is gone with the handle unless Node cached it.
    if (conn.destroyed) return closedConn(network, conn.localAddress === undefined ? undefined : tcpAddrOf(conn));
  }
  throw Object.assign(
    new TypeError('The "conn" argument must be a connection accepted by a listenconfig listener or a socket from listenPacket'),
    { code: 'ERR_INVALID_ARG_TYPE' },
  );
}
