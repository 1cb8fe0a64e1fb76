// Loading and typing the addon. Nothing else in lib/ touches the binding
// directly: every call returns a non-negative result or a negative OS error
// number (see src-native/socket.h), which errors.ts turns into Go's errors.
import * as path from 'node:path';
import type { ConnOptions } from './keepalive';

/** A socket of the OS: a file descriptor on POSIX, a SOCKET on Windows. */
export type Sock = number;

/** The one address type of bind() and getsockname() (src-native/socket.h). */
export interface SockAddr {
  /** AF_INET, AF_INET6 or AF_UNIX: this OS's numbers (constants). */
  domain: number;
  /**
   * A numeric IP, or a unix socket path ('@name': Linux's abstract
   * namespace; '' unnamed). A unix name that is not UTF-8 reads here with
   * U+FFFD for the bad bytes, and `raw` holds its exact bytes.
   */
  host: string;
  /** AF_UNIX only, for a name that is not valid UTF-8: its bytes. */
  raw?: Uint8Array;
  /** IPv6 zone (interface name or number), or ''. */
  zone: string;
  port: number;
}

export interface NativeAcceptor {
  start(): number;
  stop(): void;
  ref(): void;
  unref(): void;
  close(): number;
  /** What each connection accepted from now on gets (the part the listener does not pass on). */
  setOptions(options: ConnOptions): void;
}

export interface NativeAcceptorConstructor {
  /** Connections taken from the kernel per wake-up at most. */
  readonly batch: number;
  new (sock: Sock, options: ConnOptions, out: Int32Array, onAccept: (n: number, err: number) => void): NativeAcceptor;
}

/** The readiness watcher of a message socket (src-native/js_watcher.cc). */
export interface NativeWatcher {
  /** Watches for READABLE (1) and/or WRITABLE (2); 0 stops. 0 or -err. */
  start(events: number): number;
  ref(): void;
  unref(): void;
  /** Stops watching and closes the socket: 0 or -err. */
  close(): number;
}

export interface NativeWatcherConstructor {
  /**
   * Takes the socket, even when it throws (it closes the socket then). With
   * `slots` and `index` (an accept batch), sets `slots[index]` to -1 in the
   * same native step.
   */
  new (
    sock: Sock,
    onReady: (status: number, events: number) => void,
    slots?: Int32Array,
    index?: number,
  ): NativeWatcher;
}

/**
 * A unix socket name as given to bind, connect or sendmsg: a string is
 * encoded UTF-8 (as Node encodes paths), bytes go as they are.
 */
export type HostArg = string | Uint8Array;

/** recvmsg's result: bytes, msg_flags, ancillary bytes, the sender (null: none). */
export type RecvMsgResult = [n: number, flags: number, oobn: number, from: SockAddr | null];

export interface Binding {
  socket(domain: number, type: number, protocol: number): number;
  /** Go's setDefaultSockopts: IPV6_V6ONLY, SO_BROADCAST on datagram sockets. */
  setDefaultSockopts(sock: Sock, domain: number, type: number, v6only: boolean): number;
  /** Go's setDefaultListenerSockopts: SO_REUSEADDR on POSIX, nothing on Windows. */
  setDefaultListenerSockopts(sock: Sock): number;
  /** Go's setDefaultMulticastSockopts: SO_REUSEADDR (and SO_REUSEPORT on BSD). */
  setDefaultMulticastSockopts(sock: Sock): number;
  setsockopt(sock: Sock, level: number, name: number, value: Uint8Array): number;
  getsockopt(sock: Sock, level: number, name: number, value: Uint8Array): number;
  bind(sock: Sock, domain: number, host: HostArg, zone: string, port: number): number;
  listen(sock: Sock, backlog: number): number;
  getsockname(sock: Sock): SockAddr | number;
  close(sock: Sock): number;
  connect(sock: Sock, domain: number, host: HostArg, zone: string, port: number): number;
  getpeername(sock: Sock): SockAddr | number;
  recvmsg(sock: Sock, buf: Uint8Array, oob: Uint8Array | null): RecvMsgResult | number;
  /** domain 0: to the connected peer. */
  sendmsg(
    sock: Sock,
    buf: Uint8Array,
    oob: Uint8Array | null,
    domain: number,
    host: HostArg,
    zone: string,
    port: number,
  ): number;
  listenQueue(sock: Sock): [queued: number, backlog: number] | number;
  /**
   * Sets, before listen() or later, those options the OS copies into
   * accepted sockets, turning off keep-alive and TCP_NODELAY where opts
   * leaves them off; the Acceptor sets the rest per connection (the native
   * side knows which). 0 or -err.
   */
  inheritConnOptions(sock: Sock, opts: ConnOptions): number;
  /** sysctlbyname(3) of a uint32 (macOS, BSD), or a negative error. */
  sysctlUint32(name: string): number;
  strerror(err: number): string;
  /** fcntl(F_DUPFD_CLOEXEC): a close-on-exec duplicate, or -err (POSIX only). */
  dupCloexec(sock: Sock): number;
  /** fcntl(F_SETFD, FD_CLOEXEC) on a descriptor: 0 or -err (POSIX only). */
  setCloexec(fd: number): number;
  Acceptor: NativeAcceptorConstructor;
  Watcher: NativeWatcherConstructor;
  constants: Record<string, number>;
}

// node-gyp-build loads build/Release when there is one, else a matching
// prebuilds/ binary (PREBUILDS_ONLY=1 skips build/: scripts/test-wine.sh).
const raw: Binding = require('node-gyp-build')(path.join(__dirname, '..'));

// Unix socket names cross the addon as latin1 strings, one character per
// byte (src-native/addon.cc, ToLatin1), since a name need not be UTF-8 (a
// Python peer may bind b'\0\xff'). Here they become what the rest of lib/
// uses: a user's string is encoded UTF-8, as Node encodes paths; a name
// read back is its UTF-8 text when it is valid UTF-8, else the text with
// U+FFFD plus its exact bytes in `raw`, which writeTo passes back as they
// are. Other families pass through.
const AF_UNIX = raw.constants.AF_UNIX;
const strictUTF8 = new TextDecoder('utf-8', { fatal: true });

function unixOut(domain: number, host: HostArg): string {
  if (domain !== AF_UNIX) return host as string;
  return (typeof host === 'string' ? Buffer.from(host, 'utf8') : Buffer.from(host)).toString('latin1');
}

function unixIn<T extends SockAddr | number | null>(sa: T): T {
  if (sa === null || typeof sa === 'number' || sa.domain !== AF_UNIX) return sa;
  const bytes = Buffer.from(sa.host, 'latin1');
  try {
    sa.host = strictUTF8.decode(bytes);
  } catch {
    sa.host = bytes.toString('utf8');
    sa.raw = bytes;
  }
  return sa;
}

export const binding: Binding = {
  ...raw,
  bind: (sock, domain, host, zone, port) => raw.bind(sock, domain, unixOut(domain, host), zone, port),
  connect: (sock, domain, host, zone, port) => raw.connect(sock, domain, unixOut(domain, host), zone, port),
  sendmsg: (sock, buf, oob, domain, host, zone, port) =>
    raw.sendmsg(sock, buf, oob, domain, unixOut(domain, host), zone, port),
  getsockname: (sock) => unixIn(raw.getsockname(sock)),
  getpeername: (sock) => unixIn(raw.getpeername(sock)),
  recvmsg: (sock, buf, oob) => {
    const r = raw.recvmsg(sock, buf, oob);
    if (typeof r !== 'number') unixIn(r[3]);
    return r;
  },
};
