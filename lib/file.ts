// A descriptor in, a listener out (Go's file.go, file_unix.go): fileListener
// and filePacketConn wrap a socket this process inherited (systemd, a
// parent handing its listener on); Listener.file(), the other end, is in
// stream-listener.ts. Every wrap works on a close-on-exec duplicate, so the caller
// keeps, and may close, the descriptor it passed.
import * as dgram from 'node:dgram';
import * as os from 'node:os';
import type * as net from 'node:net';
import { adopt, adoptUnix } from './adopt';
import { OpError, SyscallError, type Addr } from './errors';
import { ipString } from './ip';
import { NO_CONN_OPTIONS, connOptions } from './keepalive';
import { ListenConfig } from './listen-config';
import { binding, type Sock } from './native';
import { constants } from './sockopt';
import { rememberPacketSocket } from './syscallconn';
import { TCPAddr, TCPListener } from './tcpsock';
import { type UnixConn, adoptInheritedUnixgram, adoptUnixpacket } from './unixconn';
import { UnixAddr, UnixListener } from './unixsock';
import { describe } from './validate';

const littleEndian = os.endianness() === 'LE';

/** Go's fileAddr: the name an error shows for the descriptor. */
class FileAddr implements Addr {
  readonly network = 'file+net';
  readonly #name: string;
  constructor(name: string) {
    this.#name = name;
  }
  toString(): string {
    return this.#name;
  }
}

function validateFd(fd: unknown): asserts fd is number {
  if (typeof fd !== 'number') {
    throw Object.assign(new TypeError(`The "fd" argument must be of type number. Received ${describe(fd)}`), {
      code: 'ERR_INVALID_ARG_TYPE',
    });
  }
  if (!Number.isInteger(fd) || fd < 0 || fd > 2 ** 31 - 1) {
    throw Object.assign(
      new RangeError(`The value of "fd" is out of range. It must be an integer >= 0 and <= 2147483647. Received ${fd}`),
      { code: 'ERR_OUT_OF_RANGE' },
    );
  }
}

function getInt(sock: Sock, level: number, name: number): number {
  const b = new Uint8Array(4);
  const r = binding.getsockopt(sock, level, name, b);
  if (r < 0) throw new SyscallError('getsockopt', r);
  return new DataView(b.buffer).getInt32(0, littleEndian);
}

/** @internal A duplicated socket, its type and its name; closed on failure by the caller. */
interface Inherited {
  sock: Sock;
  type: number;
  name: { domain: number; host: string; zone: string; port: number };
}

// Go's dupSocket and newFileFD: duplicate, read SO_TYPE (a non-socket
// fails here, with ENOTSOCK), then getsockname for the family.
function inherit(fd: number, addr: FileAddr): Inherited {
  const fail = (e: Error) => new OpError('file', 'file+net', addr, e);
  if (process.platform === 'win32') {
    throw fail(new Error('not supported by windows'));
  }
  const d = binding.dupCloexec(fd);
  if (d < 0) throw fail(new SyscallError('fcntl', d));
  try {
    const type = getInt(d, constants.SOL_SOCKET, constants.SO_TYPE);
    const name = binding.getsockname(d);
    if (typeof name === 'number') throw new SyscallError('getsockname', name);
    return { sock: d, type, name };
  } catch (e) {
    binding.close(d);
    throw fail(e as Error);
  }
}

// EINVAL, which Go returns bare for a socket of the wrong kind: `invalid argument`.
function invalid(): Error {
  return Object.assign(new Error('invalid argument'), { code: 'EINVAL', errno: -(os.constants.errno.EINVAL ?? 22) });
}

/** What fileListener makes: TCP, unix stream, or unixpacket (its connections are UnixConns). */
export type FileListener = TCPListener | UnixListener | UnixListener<UnixConn>;

/**
 * Go's net.FileListener: a listener over an inherited listening socket
 * (TCP, unix stream or unixpacket, whose connections are UnixConns as
 * `listen('unixpacket')` gives them), e.g. descriptor 3 handed on by a parent with
 * `spawn(…, { stdio: ['inherit', 'inherit', 'inherit', ln.file()] })`.
 *
 * The descriptor is duplicated close-on-exec; the caller keeps `fd` and may
 * close it. Family and type come from the socket itself. Errors are Go's:
 * `file file+net 3: fcntl: bad file descriptor` for a closed descriptor,
 * `file file+net 3: getsockopt: socket operation on non-socket` for a file
 * that is not a socket, `file file+net 3: invalid argument` for a datagram
 * socket. Unlike Go, a stream socket that does not listen is refused
 * (`… socket is not listening`): a pull accept on it would wait forever.
 *
 * What the listener gets: pull accept as any other; `backlog.requested`
 * reads -1 (listen(2)'s argument belongs to whoever listened, no OS keeps
 * it), `backlog.effective` the kernel's value where it says (TCP on Linux),
 * else -1. Keep-alive and TCP_NODELAY of accepted connections follow
 * `config` (Go's defaults without one); on Linux those are set on the
 * listening socket, which every copy shares, so the last process to wrap it
 * decides for all. A unix listener made here never removes its socket file
 * on close: the file is not its own (Go's rule), and `setUnlinkOnClose(true)`
 * does not change that (Go's removes the path then): it has no record of
 * which file its socket was bound to (a `LISTENCONFIG_UNLINK_ON_CLOSE`
 * warning says so, once per listener). Its `addr()` is the socket's own
 * name (getsockname): for a listener made with `unixMode` or `unixOwner`
 * the temporary name it was bound to, not the path (docs/deploy.md). Not
 * on Windows (Go's `not supported by windows`).
 */
export function fileListener(fd: number, config?: ListenConfig): FileListener {
  return fileListenerNamed(fd, config, undefined);
}

/**
 * @internal fileListener with the name errors show (activation's
 * LISTEN_FDNAMES), and for a unix socket the path its address should be
 * (Upgrader's record: a socket bound under a temporary name for unixMode
 * has that name for getsockname).
 */
export function fileListenerNamed(
  fd: number,
  config: ListenConfig | undefined,
  name: string | undefined,
  unixPath?: string,
): FileListener {
  validateFd(fd);
  validateConfig(config);
  const addr = new FileAddr(name ?? String(fd));
  const { sock, type, name: sa } = inherit(fd, addr);
  try {
    const seqpacket = type === constants.SOCK_SEQPACKET && sa.domain === constants.AF_UNIX;
    if (type !== constants.SOCK_STREAM && !seqpacket) throw invalid();
    if (sa.domain !== constants.AF_INET && sa.domain !== constants.AF_INET6 && sa.domain !== constants.AF_UNIX)
      throw invalid();
    if (getInt(sock, constants.SOL_SOCKET, constants.SO_ACCEPTCONN) === 0) {
      throw Object.assign(
        new Error('socket is not listening (SO_ACCEPTCONN is 0): accept would wait forever; call listen(2) first'),
        { code: 'ERR_SOCKET_NOT_LISTENING' },
      );
    }
    if (sa.domain === constants.AF_UNIX) {
      const network = seqpacket ? 'unixpacket' : 'unix';
      const ln = new UnixListener<net.Socket | UnixConn>({
        sock,
        network,
        addr: new UnixAddr(unixPath ?? sa.host, network),
        backlog: { requested: -1, effective: -1 },
        connOptions: NO_CONN_OPTIONS,
        queue: () => undefined,
        adopt: seqpacket ? adoptUnixpacket(network) : adoptUnix,
      });
      ln.setUnlinkOnClose(false);
      return ln as UnixListener | UnixListener<UnixConn>;
    }
    const opts = connOptions(config?.keepAlive, config?.keepAliveConfig);
    const r = binding.inheritConnOptions(sock, opts);
    if (r < 0) throw new SyscallError('setsockopt', r);
    const queue = (): [number, number] | undefined => {
      const q = binding.listenQueue(sock);
      return typeof q === 'number' ? undefined : q;
    };
    const proto = constants.SO_PROTOCOL;
    const mptcp =
      proto !== undefined &&
      constants.IPPROTO_MPTCP !== undefined &&
      getInt(sock, constants.SOL_SOCKET, proto) === constants.IPPROTO_MPTCP;
    return new TCPListener(
      {
        sock,
        network: 'tcp',
        addr: new TCPAddr(ipString(sa.host), sa.port, sa.zone),
        backlog: { requested: -1, effective: queue()?.[1] ?? -1 },
        connOptions: opts,
        queue: () => queue()?.[0],
        adopt,
      },
      mptcp,
    );
  } catch (e) {
    binding.close(sock);
    throw new OpError('file', 'file+net', addr, e as Error);
  }
}

/**
 * Go's net.FilePacketConn: a bound UDP socket as a dgram.Socket, already
 * receiving, or a unixgram socket as a UnixConn (as listenPacket makes
 * them). The descriptor is duplicated close-on-exec; the dgram.Socket or
 * UnixConn owns the duplicate. Go's errors as fileListener's; a stream
 * socket is `file file+net N: invalid argument`. Not on Windows.
 */
export function filePacketConn(fd: number): dgram.Socket | UnixConn {
  return filePacketConnNamed(fd, undefined);
}

/** @internal filePacketConn with the name errors show. */
export function filePacketConnNamed(fd: number, name: string | undefined): dgram.Socket | UnixConn {
  validateFd(fd);
  const addr = new FileAddr(name ?? String(fd));
  const { sock, type, name: sa } = inherit(fd, addr);
  // A UnixConn owns the socket at once, and closes it if it fails.
  if (type === constants.SOCK_DGRAM && sa.domain === constants.AF_UNIX) return adoptInheritedUnixgram(sock, addr);
  try {
    if (type !== constants.SOCK_DGRAM) throw invalid();
    if (sa.domain !== constants.AF_INET && sa.domain !== constants.AF_INET6) throw invalid();
    const ds = dgram.createSocket({ type: sa.domain === constants.AF_INET6 ? 'udp6' : 'udp4' });
    try {
      ds.bind({ fd: sock });
    } catch (e) {
      ds.close();
      throw e;
    }
    rememberPacketSocket(ds, sock, 'udp');
    return ds;
  } catch (e) {
    binding.close(sock);
    throw new OpError('file', 'file+net', addr, e as Error);
  }
}

function validateConfig(config: unknown): void {
  if (config !== undefined && !(config instanceof ListenConfig)) {
    throw Object.assign(
      new TypeError(`The "config" argument must be an instance of ListenConfig. Received ${describe(config)}`),
      { code: 'ERR_INVALID_ARG_TYPE' },
    );
  }
}
