// syscallConn(conn): Go's TCPConn.SyscallConn (UnixConn's, UDPConn's) for
// the connections and packet sockets this package hands out, so socket
// options can be read and set on them without private fields.
import type * as dgram from 'node:dgram';
import * as net from 'node:net';
import { formatTCPAddr } from './address';
import { ErrClosed, OpError, type Addr } from './errors';
import { binding, type Sock } from './native';
import { ValidRawConn, type RawConn } from './rawconn';
import { constants } from './sockopt';
import { adoptedSocket } from './tcp-wrap';

/** What Go's OpError says of a socket once it is closed: fd.net and fd.laddr. */
interface Named {
  network: string;
  laddr: Addr | undefined;
}

// The descriptor of each dgram.Socket listenPacket made, and whether it is
// closed: dgram's own handle is private (reading it is deprecated, DEP0112).
const packetSocks = new WeakMap<dgram.Socket, Named & { fd: Sock; closed: boolean }>();

// A connection's name, read at its first syscallConn() (Go reads it at
// accept; here accepting costs no getsockname), so that one destroyed
// later still has it.
const connNames = new WeakMap<net.Socket, Named>();

/** @internal */
export function rememberPacketSocket(ds: dgram.Socket, fd: Sock, network: string): void {
  const entry = { fd, ...nameOf(fd, network), closed: false };
  packetSocks.set(ds, entry);
  ds.once('close', () => (entry.closed = true));
}

/**
 * The socket's network and local address, from getsockname: a unix socket
 * is 'unix' with its path (an unnamed one has none; Go prints a stray '@'
 * there), anything else `network` with Go's host:port.
 */
function nameOf(fd: Sock, network: string): Named {
  const n = binding.getsockname(fd);
  if (typeof n === 'number') return { network, laddr: undefined };
  if (n.domain === constants.AF_UNIX) {
    const path = n.host;
    return { network: 'unix', laddr: path === '' ? undefined : { network: 'unix', toString: () => path } };
  }
  const text = formatTCPAddr({ ip: n.host, zone: n.zone, port: n.port });
  return { network, laddr: { network, toString: () => text } };
}

interface HandleFd {
  _handle?: { fd?: number } | null;
}

/**
 * Go's TCPConn.SyscallConn (and UnixConn's, UDPConn's): a RawConn over the
 * socket of a connection accepted by this package's listeners, or of a
 * dgram.Socket from listenPacket, so setsockopt and getsockopt work on it
 * without private fields. `control` throws an OpError wrapping ErrClosed
 * once the connection is destroyed (or the dgram socket closed), in Go's
 * text with the local address (`raw-control tcp 127.0.0.1:80: use of
 * closed network connection`), known if syscallConn() was first called
 * while the connection was open. As Go's SyscallConn after Close, a
 * destroyed connection gets a RawConn whose control fails so. A socket
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
    let name = connNames.get(conn);
    if (typeof fd === 'number' && fd >= 0 && !conn.destroyed) {
      if (name === undefined) connNames.set(conn, (name = nameOf(fd, 'tcp')));
      const { network, laddr } = name;
      return new ValidRawConn(fd, () =>
        conn.destroyed || s._handle == null ? new OpError('raw-control', network, laddr, ErrClosed) : undefined,
      );
    }
    if (conn.destroyed) {
      // Destroyed before any syscallConn(): its socket, and what it was,
      // are gone; the error then names neither.
      const err = new OpError('raw-control', name?.network ?? '', name?.laddr, ErrClosed);
      return new ValidRawConn(-1, () => err);
    }
  }
  throw Object.assign(
    new TypeError(
      'The "conn" argument must be a connection accepted by a listenconfig listener or a socket from listenPacket',
    ),
    { code: 'ERR_INVALID_ARG_TYPE' },
  );
}
