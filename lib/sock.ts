// Go's one socket() path (net/sock_posix.go): create the socket, set the
// default options, run Control, bind, and for a listener listen(backlog).
// Every network goes through here; tcpsock.ts and unixsock.ts only say
// which domain, type, address and Control arguments they want.
import { AbortError, OpError, SyscallError, check, type Addr } from './errors';
import { listenBacklog } from './backlog/listen';
import { binding, type SockAddr, type Sock } from './native';
import { ValidRawConn, type RawConn } from './rawconn';
import { constants } from './sockopt';

/**
 * Go's Control: runs after socket() and the default options, before bind().
 * `network` is the socket's network ('tcp4', 'tcp6', 'unix'…), `address`
 * the address about to be bound, in Go's format (':0', '127.0.0.1:8080',
 * '/run/app.sock'). A throw or a rejection fails the listen; the socket is
 * closed.
 */
export type Control = (network: string, address: string, rawConn: RawConn) => void | Promise<void>;

/** @internal What one socket() call needs. */
export interface SocketRequest {
  /** The network the caller named, and the address for errors: `listen tcp ADDR: …`. */
  network: string;
  laddr: Addr;
  domain: number;
  type: number;
  protocol: number;
  /** IPV6_V6ONLY for an AF_INET6 socket. */
  v6only: boolean;
  /** What Control is told: Go's ctrlNetwork and the address string. */
  ctrlNetwork: string;
  ctrlAddress: string;
  control: Control | undefined;
  signal: AbortSignal | undefined;
  /** The address to bind; absent for a dial without a local address (Go's DialUnix with laddr nil). */
  bind: Omit<SockAddr, 'domain'> | undefined;
  /** For a dial (Go's socket() with a raddr): the peer to connect to after bind. */
  connect?: Omit<SockAddr, 'domain'>;
  /** The OpError's op: 'listen' (the default) or 'dial'. */
  op?: 'listen' | 'dial';
  /** The OpError's Source: a dial's local address, as Go reports it. */
  source?: Addr;
  /**
   * For a stream listener: the backlog option (0: maxListenerBacklog()),
   * worked out for listen(2) here and read back after it, and what to set
   * between bind() and listen() (options the kernel copies into accepted
   * sockets). Absent for a datagram socket, which is bound only.
   */
  listen?: ListenRequest;
  /** A datagram socket bound to a multicast group's port (Go's listenDatagram). */
  multicast?: boolean;
}

/** @internal A stream listener's part of a SocketRequest (SocketRequest.listen). */
export interface ListenRequest {
  backlog: number;
  beforeListen?: (sock: Sock) => void;
}

/** @internal A SocketRequest for a stream listener: socket() then gives a ListeningSocket. */
export type ListenSocketRequest = SocketRequest & { listen: ListenRequest };

/**
 * @internal What every AF_UNIX request shares: Control is told the network
 * and the name as given (Go's ('unix', path)), and no option is IPv6's.
 */
export function unixRequest(
  network: string,
  type: number,
  address: string,
): Pick<SocketRequest, 'domain' | 'type' | 'protocol' | 'v6only' | 'ctrlNetwork' | 'ctrlAddress'> {
  return { domain: constants.AF_UNIX, type, protocol: 0, v6only: false, ctrlNetwork: network, ctrlAddress: address };
}

/** @internal The bound (and listening) socket and its getsockname(). */
export interface BoundSocket {
  sock: Sock;
  name: SockAddr;
  /** A listener's backlog: the one asked for and the one in force. */
  backlog?: { requested: number; effective: number };
}

/** @internal A BoundSocket from a ListenSocketRequest: the backlog is always there. */
export type ListeningSocket = BoundSocket & Required<Pick<BoundSocket, 'backlog'>>;

/**
 * Go's socket(): every error is `OpError('listen', network, laddr, …)`
 * but an AbortError, which is thrown as it is. The steps: socket(), the
 * default options, Control, bind(), connect() for a dial; for a listener
 * the backlog worked out (listenBacklog), `beforeListen`, listen(), and the
 * backlog read back where the kernel reports it (TCP on Linux); then
 * getsockname() and `make`.
 *
 * `make` turns the bound socket into what the caller returns (a listener);
 * the socket is closed if anything from the default options to `make`
 * throws. So the statement in `make` that hands the descriptor to an owner
 * (the native Acceptor, a dgram handle) must be its last that can throw:
 * a throw after it would close a descriptor the owner still holds.
 */
export async function socket<T>(req: ListenSocketRequest, make: (bound: ListeningSocket) => T): Promise<T>;
export async function socket<T = BoundSocket>(req: SocketRequest, make?: (bound: BoundSocket) => T): Promise<T>;
export async function socket<T = BoundSocket>(
  req: SocketRequest,
  make: (bound: ListeningSocket) => T = (b) => b as T,
): Promise<T> {
  const sock = create(req);
  try {
    setDefaults(req, sock);
    if (req.control !== undefined) await runControl(req, sock);
    return make(complete(req, sock));
  } catch (e) {
    throw closeOnFailure(req, sock, e);
  }
}

/**
 * @internal socket() for a request without Control, in the caller's turn:
 * the system calls are synchronous, only Control may not be. The register
 * hook (register.ts) binds this way, so `address()` answers right after
 * `listen()`, as Node's own handle does.
 */
export function socketSync<T>(req: ListenSocketRequest, make: (bound: ListeningSocket) => T): T;
export function socketSync<T = BoundSocket>(req: SocketRequest, make?: (bound: BoundSocket) => T): T;
export function socketSync<T = BoundSocket>(
  req: SocketRequest,
  make: (bound: ListeningSocket) => T = (b) => b as T,
): T {
  if (req.control !== undefined) throw new Error('socketSync: a request with Control must use socket()');
  const sock = create(req);
  try {
    setDefaults(req, sock);
    return make(complete(req, sock));
  } catch (e) {
    throw closeOnFailure(req, sock, e);
  }
}

/** @internal A listening socket's accept queue and backlog, where the OS reports them (TCP on Linux). */
export function listenQueue(sock: Sock): [queued: number, backlog: number] | undefined {
  const r = binding.listenQueue(sock);
  return typeof r === 'number' ? undefined : r;
}

// Go's Control returns an error; a thrown non-Error (a string, say) is
// wrapped so the message reads as Go's, and kept as that error's cause.
function failure(req: SocketRequest, e: unknown): OpError {
  return new OpError(
    req.op ?? 'listen',
    req.network,
    req.laddr,
    e instanceof Error ? e : new Error(String(e), { cause: e }),
    req.source,
  );
}

// The one place a failed socket() closes its descriptor.
function closeOnFailure(req: SocketRequest, sock: Sock, e: unknown): Error {
  binding.close(sock);
  return e instanceof AbortError ? e : failure(req, e);
}

function create(req: SocketRequest): Sock {
  const s = binding.socket(req.domain, req.type, req.protocol);
  if (s < 0) throw failure(req, new SyscallError('socket', s));
  return s;
}

function setDefaults(req: SocketRequest, s: Sock): void {
  check('setsockopt', binding.setDefaultSockopts(s, req.domain, req.type, req.v6only));
  if (req.listen !== undefined) check('setsockopt', binding.setDefaultListenerSockopts(s));
  if (req.multicast === true) check('setsockopt', binding.setDefaultMulticastSockopts(s));
}

async function runControl(req: SocketRequest, sock: Sock): Promise<void> {
  let done = false;
  const rawConn = new ValidRawConn(sock, () =>
    done
      ? new OpError('raw-control', req.network, req.laddr, new Error('use of RawConn after Control returned'))
      : undefined,
  );
  try {
    await req.control!(req.ctrlNetwork, req.ctrlAddress, rawConn);
  } finally {
    done = true;
  }
}

// bind(), connect() for a dial, listen() for a listener, getsockname().
// The type is the overloads' promise: only a ListenSocketRequest's `make`
// is told of the backlog, which is there whenever req.listen is.
function complete(req: SocketRequest, sock: Sock): ListeningSocket {
  if (req.signal?.aborted) throw new AbortError(req.signal);
  if (req.bind !== undefined) {
    check('bind', binding.bind(sock, req.domain, req.bind.host, req.bind.zone, req.bind.port));
  }
  if (req.connect !== undefined) {
    const c = req.connect;
    check('connect', binding.connect(sock, req.domain, c.host, c.zone, c.port));
  }
  let backlog: BoundSocket['backlog'];
  if (req.listen !== undefined) {
    // On Windows arg is SOMAXCONN_HINT(n) from 200 on (lib/backlog/windows.ts).
    const { requested, arg, effective } = listenBacklog(req.listen.backlog);
    req.listen.beforeListen?.(sock);
    check('listen', binding.listen(sock, arg));
    // The kernel reports a TCP listener's queue (TCP_INFO on Linux); an
    // AF_UNIX one's is computed, as is TCP's elsewhere: BSD and macOS
    // clamp to somaxconn as Linux does; Windows to 65535 (SOMAXCONN_HINT).
    const inet = req.domain === constants.AF_INET || req.domain === constants.AF_INET6;
    backlog = { requested, effective: (inet ? listenQueue(sock)?.[1] : undefined) ?? effective };
  }
  const name = binding.getsockname(sock);
  if (typeof name === 'number') throw new SyscallError('getsockname', name);
  return (backlog === undefined ? { sock, name } : { sock, name, backlog }) as ListeningSocket;
}
