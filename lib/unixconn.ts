// Unix message sockets (Go's *net.UnixConn over SOCK_DGRAM and
// SOCK_SEQPACKET): listenPacket('unixgram', …), dialUnix(), and the
// connections a unixpacket listener accepts. Sockets are made on the one
// socket() path (sock.ts), with Control; I/O is msgconn.ts's.
import * as os from 'node:os';
import {
  AbortError,
  errnoError,
  ErrClosed,
  OpError,
  SyscallError,
  UnknownNetworkError,
  unsupportedNetwork,
  type Addr,
} from './errors';
import { Failed, MessageConn, rejecting, validateBytes, validateStringArg } from './msgconn';
import { binding, type SockAddr, type Sock } from './native';
import { socket, unixRequest, type Control } from './sock';
import { constants } from './sockopt';
import { UnixAddr, type UnixNetwork } from './unixsock';
import { describe } from './validate';

const littleEndian = os.endianness() === 'LE';

/** What readFrom() gives: Go's (n, addr). */
export interface ReadFromResult {
  /** Bytes of the message copied into the buffer (the rest, if any, is lost). */
  n: number;
  /** The sender, or null when it has no name (an unbound or autobound-less socket). */
  addr: UnixAddr | null;
}

/** What readMsgUnix() gives: Go's (n, oobn, flags, addr). */
export interface ReadMsgResult extends ReadFromResult {
  /** Ancillary bytes written to oob (parse SCM_RIGHTS with parseUnixRights). */
  oobn: number;
  /** recvmsg's msg_flags: `flags & constants.MSG_TRUNC` says the message did not fit. */
  flags: number;
}

/** Go's SO_PEERCRED (unix.Ucred): the peer process when it connected or bound. */
export interface PeerCredentials {
  pid: number;
  uid: number;
  gid: number;
}

function addrArg(name: string, v: unknown, network: string): UnixAddr {
  if (typeof v === 'string' || v instanceof Uint8Array) return new UnixAddr(v, network as UnixNetwork);
  if (v instanceof UnixAddr) return v;
  throw Object.assign(
    new TypeError(
      `The "${name}" argument must be of type string or an instance of UnixAddr or Uint8Array. Received ${describe(v)}`,
    ),
    { code: 'ERR_INVALID_ARG_TYPE' },
  );
}

// getsockname/getpeername of an unnamed unix socket: Go's Linux
// anyToSockaddr reads the empty name as '@' (measured with Go 1.19 and 1.27:
// a dialed client's LocalAddr, an accepted conn's RemoteAddr).
function boundName(sa: SockAddr | number, network: string): UnixAddr | undefined {
  if (typeof sa === 'number') return undefined;
  const name = sa.host === '' && process.platform === 'linux' ? '@' : sa.host;
  return name === '' ? undefined : new UnixAddr(sa.raw ?? name, network as UnixNetwork);
}

function fromSockAddr(sa: SockAddr | null, network: string): UnixAddr | null {
  // Go's readFrom: an unnamed sender is a nil address.
  return sa === null || sa.host === '' ? null : new UnixAddr(sa.raw ?? sa.host, network as UnixNetwork);
}

/**
 * A unix message socket: Go's *net.UnixConn for 'unixgram' (datagrams,
 * from `listenPacket('unixgram', …)` or `dialUnix`) and 'unixpacket'
 * (SOCK_SEQPACKET, from a unixpacket listener's `accept()` or
 * `dialUnix`). One read is one message: a message larger than the buffer
 * is cut, and `readMsgUnix` reports it with MSG_TRUNC in `flags`.
 */
export class UnixConn extends MessageConn<UnixAddr> {
  // Go's fd.isConnected: set by dial (connect), not by accept.
  #connected: boolean;

  /** @internal Takes `sock` (see MessageConn): never close it after calling this. */
  constructor(
    sock: Sock,
    network: string,
    laddr: UnixAddr | undefined,
    raddr: UnixAddr | undefined,
    opts: { connected?: boolean; slots?: Int32Array; slot?: number } = {},
  ) {
    super({ sock, network, laddr, raddr, slots: opts.slots, slot: opts.slot });
    this.#connected = opts.connected ?? false;
  }

  /**
   * Go's ReadFrom: waits for one message, copies it into `buf` and
   * resolves with its length and sender. Rejects with Go's OpError:
   * `read unixgram ADDR: i/o timeout` after the read deadline, `… use of
   * closed network connection` once closed. On a unixpacket connection
   * `n` 0 is the end of file, as for read(). A bad argument rejects.
   */
  readFrom(buf: Uint8Array): Promise<ReadFromResult> {
    return rejecting(() => {
      validateBytes('buf', buf);
      return this.io('read', 'recvfrom', () => {
        const r = binding.recvmsg(this.sock, buf, null);
        if (typeof r === 'number') return new Failed(r);
        return { n: r[0], addr: fromSockAddr(r[3], this.network) };
      });
    });
  }

  /**
   * Go's Read: one message into `buf`, resolving with its length. On a
   * unixpacket connection 0 means the peer closed it (Go's io.EOF; Node's
   * fs.read says end of file the same way). An empty `buf` resolves 0 at
   * once and takes no message, as Go's Read makes no system call then.
   */
  read(buf: Uint8Array): Promise<number> {
    return rejecting(() => {
      validateBytes('buf', buf);
      if (buf.byteLength === 0) {
        // Go's fd.Read: the closed check (readLock) first, then (0, nil).
        if (this.closed) return this.io('read', 'read', () => 0);
        return Promise.resolve(0);
      }
      return this.io('read', 'read', () => {
        const r = binding.recvmsg(this.sock, buf, null);
        return typeof r === 'number' ? new Failed(r) : r[0];
      });
    });
  }

  /**
   * Go's ReadMsgUnix: one message into `buf`, its ancillary data (passed
   * descriptors: parseUnixRights) into `oob`. Received descriptors are
   * close-on-exec and the caller's to close. On a unixpacket connection
   * `n` 0 is the end of file, as for read().
   */
  readMsgUnix(buf: Uint8Array, oob: Uint8Array | null = null): Promise<ReadMsgResult> {
    return rejecting(() => {
      validateBytes('buf', buf);
      if (oob !== null && oob !== undefined) validateBytes('oob', oob);
      return this.io('read', 'recvmsg', () => {
        const r = binding.recvmsg(this.sock, buf, oob ?? null);
        if (typeof r === 'number') return new Failed(r);
        return { n: r[0], flags: r[1], oobn: r[2], addr: fromSockAddr(r[3], this.network) };
      });
    });
  }

  /**
   * Go's WriteTo: sends `buf` as one message to `addr` (a path, '@name',
   * or a UnixAddr), resolving with the bytes sent. On a connected socket
   * Go's `use of WriteTo with pre-connected connection`.
   */
  writeTo(buf: Uint8Array, addr: UnixAddr | string | Uint8Array): Promise<number> {
    return rejecting(() => {
      validateBytes('buf', buf);
      const to = addrArg('addr', addr, this.network);
      // Go's UnixConn.writeTo: a dialed socket refuses; an accepted one
      // leaves the address to the kernel (Linux ignores it on seqpacket).
      if (this.#connected) return Promise.reject(this.opError('write', errWriteToConnected, to));
      if (to.network !== this.network) return Promise.reject(this.opError('write', errAFNoSupport(), to));
      return this.io('write', 'sendto', () => this.#send(buf, null, to), to);
    });
  }

  /** Go's Write: sends `buf` as one message to the connected peer. */
  write(buf: Uint8Array): Promise<number> {
    return rejecting(() => {
      validateBytes('buf', buf);
      return this.io('write', 'write', () => this.#send(buf, null, null));
    });
  }

  /**
   * Go's WriteMsgUnix: one message with ancillary data (unixRights(fd…)
   * passes descriptors), to `addr`, or to the connected peer when `addr`
   * is null. Resolves with Go's (n, oobn).
   */
  writeMsgUnix(
    buf: Uint8Array,
    oob: Uint8Array | null,
    addr: UnixAddr | string | Uint8Array | null = null,
  ): Promise<{ n: number; oobn: number }> {
    return rejecting(() => {
      validateBytes('buf', buf);
      // null or undefined: no ancillary data, as Go's nil oob.
      if (oob !== null && oob !== undefined) validateBytes('oob', oob);
      const to = addr === null || addr === undefined ? null : addrArg('addr', addr, this.network);
      // Go's UnixConn.writeMsg: a dialed unixgram socket refuses even without
      // an address; a unixpacket one leaves the address to the kernel.
      if (this.network === 'unixgram' && this.#connected) {
        return Promise.reject(this.opError('write', errWriteToConnected, to));
      }
      if (to !== null && to.network !== this.network) {
        return Promise.reject(this.opError('write', errAFNoSupport(), to));
      }
      const oobn = oob?.byteLength ?? 0;
      const ancillary = oob ?? null;
      return this.io(
        'write',
        'sendmsg',
        () => {
          const r = this.#send(buf, ancillary, to);
          return typeof r === 'number' ? { n: r, oobn } : r;
        },
        // Go's Addr is the destination given: none for the connected peer.
        to,
      );
    });
  }

  #send(buf: Uint8Array, oob: Uint8Array | null, to: UnixAddr | null): number | Failed {
    const r =
      to === null
        ? binding.sendmsg(this.sock, buf, oob, 0, '', '', 0)
        : binding.sendmsg(this.sock, buf, oob, constants.AF_UNIX, to.bytes ?? to.name, '', 0);
    return r < 0 ? new Failed(r) : r;
  }

  /**
   * The peer's process, user and group (SO_PEERCRED, Linux) of a
   * unixpacket connection: the one that connected, or that this socket
   * connected to, as they were at connect(). Linux records none for a
   * datagram socket (pid 0). Throws Go's OpError on other systems and
   * once closed.
   */
  peerCredentials(): PeerCredentials {
    if (this.closed) throw this.opError('getsockopt', ErrClosed);
    const opt = constants.SO_PEERCRED;
    if (opt === undefined) {
      throw this.opError(
        'getsockopt',
        Object.assign(new Error('SO_PEERCRED is not supported on this OS'), {
          code: 'ERR_UNSUPPORTED_NETWORK',
        }),
      );
    }
    const b = new Uint8Array(12);
    const r = binding.getsockopt(this.sock, constants.SOL_SOCKET, opt, b);
    if (r < 0) throw this.opError('getsockopt', new SyscallError('getsockopt', r));
    const v = new DataView(b.buffer);
    return { pid: v.getInt32(0, littleEndian), uid: v.getUint32(4, littleEndian), gid: v.getUint32(8, littleEndian) };
  }
}

/** Go's ErrWriteToConnected. */
export const errWriteToConnected: Error = new Error('use of WriteTo with pre-connected connection');

// Go's syscall.EAFNOSUPPORT: a UnixAddr whose Net is not the socket's.
function errAFNoSupport(): Error {
  return errnoError(-os.constants.errno.EAFNOSUPPORT);
}

/**
 * Go's syscall.UnixRights: the ancillary data (an SCM_RIGHTS control
 * message) that passes these descriptors with writeMsgUnix. The
 * descriptors stay open here; the receiver gets copies.
 */
export function unixRights(...fds: number[]): Uint8Array {
  for (const [i, fd] of fds.entries()) {
    if (!Number.isInteger(fd) || fd < 0 || fd > 0x7fffffff) {
      throw Object.assign(
        new TypeError(
          `The "fds[${i}]" argument must be a file descriptor (a non-negative integer). Received ${describe(fd)}`,
        ),
        { code: 'ERR_INVALID_ARG_TYPE' },
      );
    }
  }
  const { hdr, align } = cmsgLayout();
  const datalen = fds.length * 4;
  const b = new Uint8Array(alignUp(hdr, align) + alignUp(datalen, align));
  const v = new DataView(b.buffer);
  // cmsg_len is a size_t on Linux, a socklen_t elsewhere: the low 4 bytes
  // hold it either way (little endian) or the high ones (big endian, size_t).
  const lenAt = !littleEndian && hdr - 8 === 8 ? 4 : 0;
  v.setUint32(lenAt, hdr + datalen, littleEndian);
  const lenSize = hdr - 8; // cmsg_len, then cmsg_level and cmsg_type (ints)
  v.setInt32(lenSize, constants.SOL_SOCKET, littleEndian);
  v.setInt32(lenSize + 4, scmRights(), littleEndian);
  for (const [i, fd] of fds.entries()) v.setInt32(hdr + i * 4, fd, littleEndian);
  return b;
}

/**
 * Go's syscall.ParseSocketControlMessage and ParseUnixRights together:
 * the descriptors of every SCM_RIGHTS message in `oob` (the first `oobn`
 * bytes readMsgUnix wrote). They are open, close-on-exec, and the
 * caller's to close (fs.closeSync).
 */
export function parseUnixRights(oob: Uint8Array, oobn: number = oob.byteLength): number[] {
  validateBytes('oob', oob);
  const { hdr, align } = cmsgLayout();
  const v = new DataView(oob.buffer, oob.byteOffset, Math.min(oobn, oob.byteLength));
  const lenSize = hdr - 8;
  const fds: number[] = [];
  let at = 0;
  while (at + hdr <= v.byteLength) {
    const len = v.getUint32(at + (!littleEndian && lenSize === 8 ? 4 : 0), littleEndian);
    if (len < hdr || at + len > v.byteLength) {
      throw new SyscallError('parse socket control message', -os.constants.errno.EINVAL);
    }
    if (
      v.getInt32(at + lenSize, littleEndian) === constants.SOL_SOCKET &&
      v.getInt32(at + lenSize + 4, littleEndian) === scmRights()
    ) {
      for (let p = at + hdr; p + 4 <= at + len; p += 4) fds.push(v.getInt32(p, littleEndian));
    }
    at += alignUp(len, align);
  }
  return fds;
}

function alignUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

function scmRights(): number {
  const n = constants.SCM_RIGHTS;
  if (n === undefined) throw unsupported('SCM_RIGHTS');
  return n;
}

function cmsgLayout(): { hdr: number; align: number } {
  const hdr = constants.CMSG_HDRLEN;
  const align = constants.CMSG_ALIGNTO;
  if (hdr === undefined || align === undefined) throw unsupported('SCM_RIGHTS');
  return { hdr, align };
}

function unsupported(what: string): Error {
  return Object.assign(new Error(`${what} is not supported on this OS`), { code: 'ERR_UNSUPPORTED_NETWORK' });
}

/** @internal The ListenConfig fields a message socket needs. */
export interface MessageListenParams {
  control: Control | undefined;
}

// Winsock has AF_UNIX, but SOCK_STREAM only: no datagram or seqpacket sockets.
function refuseOnWindows(network: string, laddr: Addr | undefined, op = 'listen'): void {
  if (process.platform !== 'win32') return;
  const e = unsupportedNetwork(
    network,
    laddr,
    `network ${network} is not supported on Windows: Winsock's AF_UNIX has stream sockets only`,
  );
  if (op !== 'listen') throw new OpError(op, network, laddr, e.err);
  throw e;
}

/** @internal Go's ListenUnixgram: a bound datagram socket ('' autobinds an abstract name on Linux). */
export async function listenUnixgram(
  p: MessageListenParams,
  address: string,
  signal: AbortSignal | undefined,
): Promise<UnixConn> {
  const network = 'unixgram';
  const laddr = new UnixAddr(address, network);
  refuseOnWindows(network, laddr);
  const { sock, name } = await socket({
    network,
    laddr,
    ...unixRequest(network, constants.SOCK_DGRAM, address),
    control: p.control,
    signal,
    bind: { host: address, zone: '', port: 0 },
  });
  return adoptMessageSocket(
    sock,
    network,
    'listen',
    laddr,
    new UnixAddr(name.raw ?? name.host, network),
    undefined,
    false,
  );
}

// Wraps a bound socket. The UnixConn takes it even when that fails (its
// watcher closes it then).
function adoptMessageSocket(
  sock: Sock,
  network: string,
  op: string,
  errAddr: Addr,
  laddr: UnixAddr | undefined,
  raddr: UnixAddr | undefined,
  connected: boolean,
): UnixConn {
  try {
    return new UnixConn(sock, network, laddr, raddr, { connected });
  } catch (e) {
    throw new OpError(op, network, errAddr, e as Error);
  }
}

/**
 * @internal An accepted unixpacket connection: not "connected" in Go's
 * sense (fd.isConnected is set by dial only). The native watcher clears
 * the batch slot in the same step that takes the descriptor, so a worker
 * terminated at any point leaves it to exactly one owner.
 */
export function adoptUnixpacket(network: string) {
  return (fd: Sock, slots?: Int32Array, slot = 0): UnixConn => {
    const laddr = boundName(binding.getsockname(fd), network);
    const raddr = boundName(binding.getpeername(fd), network);
    return new UnixConn(fd, network, laddr, raddr, { slots, slot });
  };
}

/**
 * @internal An inherited unixgram socket (filePacketConn): its own name
 * and, if connected, its peer's.
 */
export function adoptInheritedUnixgram(sock: Sock, errAddr: Addr): UnixConn {
  const network = 'unixgram';
  return adoptMessageSocket(
    sock,
    network,
    'file',
    errAddr,
    boundName(binding.getsockname(sock), network),
    boundName(binding.getpeername(sock), network),
    // Go's newFileFD sets the addresses only: not connected in its sense.
    false,
  );
}

/** Options of dialUnix. */
export interface DialUnixOptions {
  /** A local address to bind first (Go's laddr); none by default (unixgram: unnamed). */
  laddr?: string;
  /** Go's Dialer.Control: runs after socket(), before bind and connect, with (network, raddr). */
  control?: Control;
  signal?: AbortSignal;
}

/**
 * Go's DialUnix for 'unixgram' and 'unixpacket': a socket connected to
 * `raddr`, so read()/write() need no address (and writeTo is refused, as
 * Go's). This is how a connected unixgram socket is made; a unix stream
 * dial is Node's own `net.connect(path)`. Rejects with Go's `dial unixgram
 * ADDR: connect: …`.
 */
export async function dialUnix(
  network: 'unixgram' | 'unixpacket',
  raddr: string,
  options?: DialUnixOptions,
): Promise<UnixConn> {
  validateStringArg('network', network);
  validateStringArg('raddr', raddr);
  const o = validateDialOptions(options);
  const ra = new UnixAddr(raddr, network);
  if (network !== 'unixgram' && network !== 'unixpacket') {
    throw new OpError('dial', network, ra, new UnknownNetworkError(network));
  }
  refuseOnWindows(network, ra, 'dial');
  const la = o.laddr === undefined ? undefined : new UnixAddr(o.laddr, network);
  const { sock } = await socket({
    op: 'dial',
    network,
    laddr: ra,
    source: la,
    ...unixRequest(
      network,
      network === 'unixgram' ? constants.SOCK_DGRAM : (constants.SOCK_SEQPACKET as number),
      raddr,
    ),
    control: o.control,
    signal: o.signal,
    bind: o.laddr === undefined ? undefined : { host: o.laddr, zone: '', port: 0 },
    connect: { host: raddr, zone: '', port: 0 },
  });
  return adoptMessageSocket(sock, network, 'dial', ra, boundName(binding.getsockname(sock), network) ?? la, ra, true);
}

function validateDialOptions(options: unknown): DialUnixOptions {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw Object.assign(new TypeError(`The "options" argument must be of type object. Received ${describe(options)}`), {
      code: 'ERR_INVALID_ARG_TYPE',
    });
  }
  const o = options as Record<string, unknown>;
  if (o.laddr !== undefined) validateStringArg('options.laddr', o.laddr);
  if (o.control !== undefined && typeof o.control !== 'function') {
    throw Object.assign(
      new TypeError(`The "options.control" property must be of type function. Received ${describe(o.control)}`),
      { code: 'ERR_INVALID_ARG_TYPE' },
    );
  }
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) {
    throw Object.assign(
      new TypeError(`The "options.signal" property must be an instance of AbortSignal. Received ${describe(o.signal)}`),
      { code: 'ERR_INVALID_ARG_TYPE' },
    );
  }
  if ((o.signal as AbortSignal | undefined)?.aborted) {
    throw new AbortError(o.signal as AbortSignal);
  }
  return o as DialUnixOptions;
}
