// An accepted descriptor (POSIX) or SOCKET (Windows) becomes an ordinary
// net.Socket, so http, tls and streams work on it unchanged.
//
// The way net.Server does it is to open a TCP handle on the socket and pass
// it as `{ handle }`; only Node's internal tcp_wrap binding can make that
// handle (lib/tcp-wrap.ts). On Windows it is the only way: the public
// `{ fd }` takes a C runtime descriptor and would wrap a SOCKET as a pipe.
// On POSIX `{ fd }` works but first asks libuv what the descriptor is
// (uv_guess_handle: ioctl(TCGETS), fstat, getsockname, getsockopt(SO_TYPE)),
// four system calls per connection to learn what accept() already said.
// They were the whole CPU gap to net.Server in the accept benchmark (issue
// 4; numbers in docs/benchmarks.md), so POSIX takes the handle path too,
// and falls back to the public `{ fd }` where tcp_wrap is missing and under
// --pending-deprecation, where process.binding() would print DEP0111.
import * as net from 'node:net';
import { SyscallError } from './errors';
import type { Sock } from './native';
import { openSocket, tcpWrap } from './tcp-wrap';

/** How accepted sockets become net.Sockets in this process. */
export type AdoptPath = 'tcp_wrap' | 'fd';

let path: AdoptPath | undefined;

/** 'tcp_wrap' (net.Server's way) or 'fd' (the public fallback, POSIX only). */
export function adoptPath(): AdoptPath {
  if (path === undefined) {
    if (process.platform === 'win32') path = 'tcp_wrap';
    else path = !pendingDeprecation() && tcpWrap() !== undefined ? 'tcp_wrap' : 'fd';
  }
  return path;
}

// Node's own test is getOptionValue('--pending-deprecation'), which reads
// execArgv and NODE_OPTIONS, or NODE_PENDING_DEPRECATION=1.
function pendingDeprecation(): boolean {
  // Node takes the flag with '_' for '-' too.
  const flag = /(^|\s)--pending[-_]deprecation(\s|$)/;
  return (
    process.execArgv.some((a) => flag.test(a)) ||
    flag.test(process.env.NODE_OPTIONS ?? '') ||
    process.env.NODE_PENDING_DEPRECATION === '1'
  );
}

/**
 * Wraps an accepted, connected socket. `slots[slot]` (the accept batch)
 * is set to -1 the moment Node owns the socket (issue 10: a worker
 * terminated between that moment and the caller's bookkeeping must not
 * leave the socket to be closed twice). Throws if Node refuses it; the
 * socket is then still the caller's to close unless its slot reads -1.
 * `options` is serve()'s: the net.Socket constructor options net.Server's
 * onconnection gives; such a socket gets no default 'error' listener (the
 * server attaches its own, as under server.listen()). Without `options`
 * (accept(), for await) it gets errorStaysOnTheSocket.
 */
export function adopt(fd: Sock, slots?: Int32Array, slot = 0, options?: net.SocketConstructorOpts): net.Socket {
  if (adoptPath() === 'fd') {
    return adoptFd(fd, slots, slot, options);
  }
  const s = openSocket(fd, slots, slot, options);
  if (typeof s === 'number') throw new SyscallError('uv_tcp_open', s);
  return options === undefined ? s.on('error', errorStaysOnTheSocket) : s;
}

/**
 * Every accepted socket's first 'error' listener. Go hands a peer's reset
 * to the next Read or Write as an error value; Node emits 'error', and an
 * 'error' nobody listens for ends the process: one client's RST (what
 * `listenconfig burst` ends with) would kill a server that never wrote a
 * handler. This listener does nothing. The user's own 'error' listeners
 * still receive every error, as before; without one, the error stays on
 * the socket: 'close' fires with hadError true and socket.errored holds
 * it. `conn.removeAllListeners('error')` restores Node's default.
 * Not on sockets serve() hands to a net.Server: those are made exactly as
 * net.Server makes them, and the server attaches its own 'error' listener.
 */
function errorStaysOnTheSocket(): void {}

/**
 * Wraps an accepted unix stream socket: a net.Socket on a pipe handle, as
 * net.Server makes for a path. Through the public `{ fd }`: libuv's guess
 * (a unix socket is a named pipe to it) picks the handle type. The slot is
 * cleared just before, as for TCP's `{ fd }` path: an interruption can leak
 * the descriptor but never close it twice.
 */
export function adoptUnix(fd: Sock, slots?: Int32Array, slot = 0, options?: net.SocketConstructorOpts): net.Socket {
  return adoptFd(fd, slots, slot, options);
}

// Node's { fd } constructor owns the descriptor only once its handle
// opened it, and says nothing in between: count it as owned just before,
// so an interruption can leak it but never close it twice. The two throws
// that come before the handle owns it (a descriptor type libuv does not
// take, a failed uv_*_open) give it back to the slot, for the caller to
// close; after those, a throw leaves it to the handle.
function adoptFd(
  fd: Sock,
  slots: Int32Array | undefined,
  slot: number,
  options: net.SocketConstructorOpts | undefined,
): net.Socket {
  if (slots !== undefined) slots[slot] = -1;
  try {
    const s = new net.Socket({ ...options, fd, readable: true, writable: true });
    return options === undefined ? s.on('error', errorStaysOnTheSocket) : s;
  } catch (e) {
    const err = e as { code?: unknown; syscall?: unknown } | null;
    if (slots !== undefined && (err?.code === 'ERR_INVALID_FD_TYPE' || err?.syscall === 'open')) slots[slot] = fd;
    throw e;
  }
}
