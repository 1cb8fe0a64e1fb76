// Adopting an accepted socket as a net.Socket the way net.Server does,
// through Node's internal tcp_wrap binding: the one place this package
// leans on a Node internal, kept small and feature-detected (lib/adopt.ts
// says when it is used).
//
// Why: Node's public `new net.Socket({ fd })` takes a C runtime descriptor
// and guesses its type (on Windows it wraps a SOCKET as a pipe), and there is
// no public way to hand libuv a SOCKET. tcp_wrap's TCP handle can: it is what
// net.Server itself uses, and `TCP.open(socket)` is uv_tcp_open, which
// attaches the SOCKET to the loop's completion port. The binding is on
// process.binding's allow-list in Node 18 to 26; test/windows-tcp-wrap.test.mjs fails
// loudly if a release removes it.
import * as net from 'node:net';

/** The part of tcp_wrap this package uses. */
interface TCPHandle {
  /** uv_tcp_open: 0, or a negative libuv error. */
  open(sock: number): number;
  close(cb?: () => void): void;
}

export interface TCPWrap {
  TCP: new (type: number) => TCPHandle;
  constants: { SOCKET: number; SERVER: number };
}

let cached: TCPWrap | null | undefined;

// net.Socket -> the SOCKET it was opened on. On Windows Node reports no
// descriptor for a TCP handle (`_handle.fd` is -1), and the conformance
// suite needs the SOCKET to read the accepted connection's options back.
// Elsewhere `_handle.fd` says it, and the map would cost every connection.
const adopted = new WeakMap<net.Socket, number>();
const windows = process.platform === 'win32';

/** The SOCKET a net.Socket made by openSocket wraps; for tests. */
export function adoptedSocket(conn: net.Socket): number | undefined {
  return adopted.get(conn);
}

/**
 * Node's tcp_wrap binding, or undefined where this Node lacks it (or lacks
 * TCP, constants.SOCKET or TCP.prototype.open). Looked up once.
 */
export function tcpWrap(): TCPWrap | undefined {
  if (cached === undefined) {
    cached = null;
    try {
      const getBinding = (process as unknown as { binding?: (name: string) => unknown }).binding;
      const b =
        typeof getBinding === 'function' ? (getBinding.call(process, 'tcp_wrap') as Partial<TCPWrap>) : undefined;
      if (
        b !== undefined &&
        typeof b.TCP === 'function' &&
        typeof b.TCP.prototype?.open === 'function' &&
        typeof b.constants?.SOCKET === 'number'
      ) {
        cached = b as TCPWrap;
      }
    } catch {
      // A Node without process.binding, or one that refuses tcp_wrap.
    }
  }
  return cached ?? undefined;
}

/** Thrown when this Node has no tcp_wrap to adopt a SOCKET with. */
export class NoTCPWrapError extends Error {
  override name = 'NoTCPWrapError';
  readonly code = 'ERR_LISTENCONFIG_NO_TCP_WRAP';
  constructor() {
    super(
      `Node ${process.version} has no usable process.binding('tcp_wrap'): ` +
        'listenconfig cannot turn an accepted SOCKET into a net.Socket on this Node release',
    );
  }
}

/**
 * Wraps a connected, accepted socket in a net.Socket the way net.Server
 * does (a TCP handle of type SOCKET, opened on the socket). Returns the
 * libuv error of uv_tcp_open as a negative number instead of a socket when
 * libuv refuses it; the caller still owns the socket then. Once the handle
 * owns the socket, `slots[slot]` is set to -1 at once, with no call in
 * between where V8 could act on a worker's termination: from then on the
 * caller must not close it, even if the net.Socket constructor throws or
 * is interrupted (the handle's close closes the socket). `options` go to
 * the net.Socket constructor (serve() passes net.Server's, lib/serve.ts).
 */
export function openSocket(
  sock: number,
  slots?: Int32Array,
  slot = 0,
  options?: net.SocketConstructorOpts,
): net.Socket | number {
  const tw = tcpWrap();
  if (tw === undefined) throw new NoTCPWrapError();
  const handle = new tw.TCP(tw.constants.SOCKET);
  const err = handle.open(sock);
  if (err !== 0) {
    handle.close();
    return err;
  }
  if (slots !== undefined) slots[slot] = -1;
  let conn: net.Socket;
  try {
    conn = new net.Socket({ ...options, handle, readable: true, writable: true } as net.SocketConstructorOpts);
  } catch (e) {
    handle.close();
    throw e;
  }
  if (windows) adopted.set(conn, sock);
  return conn;
}
