// Go's error values, with Node's error fields where the value is a system
// error. Messages follow Go's text to the letter, so a log line from a Go
// server and from its Node port read the same:
//   listen tcp 192.0.2.1:0: bind: cannot assign requested address
import * as util from 'node:util';
import { binding } from '../native';
import { libuvMessage, windowsErrno } from './windows';

/**
 * Returned, wrapped in an OpError, by operations on a closed listener (Go's
 * net.ErrClosed). Compare with `err.err === ErrClosed` or `err.cause === ErrClosed`.
 */
export const ErrClosed: Error & { code: string } = Object.assign(new Error('use of closed network connection'), {
  code: 'ERR_SOCKET_CLOSED',
});

/**
 * Go's os.ErrDeadlineExceeded, wrapped in an OpError by an accept(), read
 * or write whose deadline passed: `accept tcp 127.0.0.1:8080: i/o timeout`.
 * Its `code` is Node's for a timed-out operation, 'ETIMEDOUT'; `timeout()`
 * and `temporary()` of the OpError are true, as Go's.
 */
export const ErrDeadlineExceeded: Error & { code: string; timeout(): boolean; temporary(): boolean } = Object.assign(
  new Error('i/o timeout'),
  { code: 'ETIMEDOUT', timeout: () => true, temporary: () => true },
);

/** Go's *net.AddrError: `address 127.0.0.1: missing port in address`. */
export class AddrError extends Error {
  override name = 'AddrError';
  readonly err: string;
  readonly addr: string;
  readonly code = 'ERR_INVALID_ADDRESS';
  constructor(err: string, addr: string) {
    super(addr !== '' ? `address ${addr}: ${err}` : err);
    this.err = err;
    this.addr = addr;
  }
}

/** Go's net.UnknownNetworkError: `unknown network tcpx`. */
export class UnknownNetworkError extends Error {
  override name = 'UnknownNetworkError';
  readonly network: string;
  readonly code = 'ERR_UNKNOWN_NETWORK';
  constructor(network: string) {
    super(`unknown network ${network}`);
    this.network = network;
  }
}

/**
 * @internal A network Go serves and this package refuses, saying why:
 * `listen unixpacket /tmp/s: network unixpacket is not supported: …`, the
 * cause's code ERR_UNSUPPORTED_NETWORK.
 */
export function unsupportedNetwork(network: string, addr: Addr | undefined, why: string): OpError {
  return new OpError('listen', network, addr, Object.assign(new Error(why), { code: 'ERR_UNSUPPORTED_NETWORK' }));
}

/** Go's *net.DNSError: `lookup nosuchhost.invalid: no such host`. */
export class DNSError extends Error {
  override name = 'DNSError';
  readonly err: string;
  readonly host: string;
  readonly isNotFound: boolean;
  readonly code: string;
  constructor(err: string, host: string, code: string, isNotFound: boolean) {
    super(`lookup ${host}: ${err}`);
    this.err = err;
    this.host = host;
    this.code = code;
    this.isNotFound = isNotFound;
  }
}

// Node's system errors carry errno as a negative number (libuv's
// convention, the negated errno on POSIX).
function errnoName(errno: number): string {
  try {
    return util.getSystemErrorName(errno);
  } catch {
    return 'UNKNOWN';
  }
}

// Go's syscall.Errno texts on Linux are strerror(3) with a lower-case
// first letter (they are generated from it).
function errnoText(errno: number): string {
  const s = binding.strerror(-errno);
  return s.charAt(0).toLowerCase() + s.slice(1);
}

// The addon's error as Node and Go describe it on this OS. On Windows, Go's
// text is FormatMessage's, capital and full stop kept (syscall.Errno.Error);
// code and errno are Node's (libuv's) for the Winsock error (errors/windows.ts).
function describeErrno(errno: number): { text: string; errno: number; code: string; winsockCode?: string } {
  if (process.platform !== 'win32') return { text: errnoText(errno), errno, code: errnoName(errno) };
  const w = windowsErrno(errno);
  const text = (w.libuv ? libuvMessage(w.errno) : undefined) ?? binding.strerror(-errno);
  return { text, errno: w.errno, code: w.code, winsockCode: w.winsockCode };
}

/**
 * Go's *os.SyscallError: `bind: address already in use`, with Node's
 * `code` ('EADDRINUSE'), `errno` (negative) and `syscall` fields. On
 * Windows the text is Windows' own (`bind: Only one usage of each socket
 * address (protocol/network address/port) is normally permitted.`, as Go
 * prints it) and `winsockCode` names the Winsock error ('WSAEADDRINUSE').
 */
export class SyscallError extends Error {
  override name = 'SyscallError';
  readonly syscall: string;
  readonly errno: number;
  readonly code: string;
  /** Windows only: winerror.h's name of the error, e.g. 'WSAEADDRINUSE'. */
  declare readonly winsockCode?: string;
  constructor(syscall: string, errno: number) {
    const d = describeErrno(errno);
    super(`${syscall}: ${d.text}`);
    this.syscall = syscall;
    this.errno = d.errno;
    this.code = d.code;
    // Absent elsewhere, so that POSIX errors keep exactly Node's fields.
    if (d.winsockCode !== undefined) (this as { winsockCode?: string }).winsockCode = d.winsockCode;
  }
}

/**
 * @internal Go's bare syscall.Errno as an error (no syscall name): `address
 * family not supported by protocol`, with Node's `code` and `errno`.
 */
export function errnoError(errno: number): Error & { code: string; errno: number } {
  const d = describeErrno(errno);
  return Object.assign(new Error(d.text), { code: d.code, errno: d.errno });
}

// Go's syscall.Errno.Timeout and Temporary (syscall_unix.go,
// syscall_windows.go), read from Node's code so that one list serves every
// OS: Windows' WSAEMFILE and the like arrive here under libuv's names.
const TIMEOUT_CODES = new Set(['EAGAIN', 'EWOULDBLOCK', 'ETIMEDOUT']);
const TEMPORARY_CODES = new Set(['EINTR', 'EMFILE', 'ENFILE']);
// Go's isConnError: from accept, a connection reset or aborted before it
// was taken is the peer's doing, not the listener's (Go issue 6163).
const CONN_CODES = new Set(['ECONNRESET', 'ECONNABORTED']);

function codeOf(e: unknown): string | undefined {
  const c = (e as { code?: unknown } | null)?.code;
  return typeof c === 'string' ? c : undefined;
}

/** Anything with Go's Addr shape: formats itself as `127.0.0.1:8080`. */
export interface Addr {
  readonly network: string;
  toString(): string;
}

/**
 * Go's *net.OpError: `op net [addr]: err`. `err` (also `cause`) is the
 * underlying error; `code`, `errno` and `syscall` are copied from it when
 * it has them, so Node code that checks `err.code === 'EADDRINUSE'` works.
 */
export class OpError extends Error {
  override name = 'OpError';
  readonly op: string;
  readonly net: string;
  readonly addr: Addr | undefined;
  readonly err: Error;
  readonly code: string | undefined;
  readonly errno: number | undefined;
  readonly syscall: string | undefined;
  /** Go's OpError.Source: a connection's local address, where Go reports it (`read unixgram /a->/b: …`). */
  declare readonly source?: Addr;
  constructor(op: string, net: string, addr: Addr | undefined, err: Error, source?: Addr) {
    let s = op;
    if (net !== '') s += ' ' + net;
    if (source !== undefined) s += ' ' + source.toString();
    if (addr !== undefined) s += (source !== undefined ? '->' : ' ') + addr.toString();
    super(`${s}: ${err.message}`, { cause: err });
    this.op = op;
    this.net = net;
    this.addr = addr;
    // Absent unless given, so listeners' errors keep exactly their fields.
    if (source !== undefined) (this as { source?: Addr }).source = source;
    this.err = err;
    const e = err as { code?: unknown; errno?: unknown; syscall?: unknown };
    this.code = typeof e.code === 'string' ? e.code : undefined;
    this.errno = typeof e.errno === 'number' ? e.errno : undefined;
    this.syscall = typeof e.syscall === 'string' ? e.syscall : undefined;
  }

  /**
   * Go's OpError.Timeout: a deadline passed (ErrDeadlineExceeded), or the
   * system error is EAGAIN, EWOULDBLOCK or ETIMEDOUT.
   */
  timeout(): boolean {
    if (this.err === ErrDeadlineExceeded) return true;
    return this.err instanceof SyscallError && TIMEOUT_CODES.has(this.err.code);
  }

  /**
   * Go's OpError.Temporary: EINTR, EMFILE, ENFILE or a timeout error; from
   * accept also ECONNRESET and ECONNABORTED. A server retries these after a
   * pause (see `Listener.connections`); ENOBUFS and ENOMEM are not
   * temporary in Go's sense, and this package keeps Go's answer here.
   */
  temporary(): boolean {
    if (this.err === ErrDeadlineExceeded) return true;
    if (!(this.err instanceof SyscallError)) return false;
    const c = this.err.code;
    if (this.op === 'accept' && CONN_CODES.has(c)) return true;
    return TEMPORARY_CODES.has(c) || TIMEOUT_CODES.has(c);
  }
}

/**
 * Whether an accept loop should pause and try again rather than stop: Go's
 * `temporary()` (what Go's http.Server retries), and also ENOBUFS and
 * ENOMEM. Those say the kernel is short of memory for a new socket; the
 * listener itself is intact and accepts again once memory frees, so ending
 * the loop would turn a passing shortage into a server that never accepts
 * again (libuv reports them and keeps listening, too).
 */
export function retryableAcceptError(e: unknown): e is OpError {
  if (!(e instanceof OpError) || e.op !== 'accept') return false;
  if (e.temporary()) return true;
  const c = codeOf(e.err);
  return e.err instanceof SyscallError && (c === 'ENOBUFS' || c === 'ENOMEM');
}

/** Node's AbortError, as thrown by Node's own APIs on an aborted signal. */
export class AbortError extends Error {
  override name = 'AbortError';
  readonly code = 'ABORT_ERR';
  constructor(signal?: AbortSignal) {
    super('The operation was aborted', signal?.reason !== undefined ? { cause: signal.reason } : undefined);
  }
}

/** Throws the addon's negative error number as a SyscallError. */
export function check(syscall: string, r: number): number {
  if (r < 0) throw new SyscallError(syscall, r);
  return r;
}
