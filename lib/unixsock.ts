// Unix stream sockets on the one socket() path (Go's unixsock.go and
// unixsock_posix.go): Control gets ('unix', path), Linux's abstract names
// are '@name', and the socket file is removed on close when this listener
// created it (Go's SetUnlinkOnClose). Accepted connections are net.Sockets
// on a pipe handle, what net.Server makes for a path.
import * as fs from 'node:fs';
import type * as net from 'node:net';
import { adoptUnix } from './adopt';
import { listenBacklog } from './backlog/listen';
import { OpError, SyscallError, UnknownNetworkError, unsupportedNetwork, type Addr } from './errors';
import { NO_ACCEPT_OPTIONS } from './keepalive';
import { StreamListener, type StreamListenerInit } from './stream-listener';
import { adoptUnixpacket } from './unixconn';
import { binding } from './native';
import { socket, type Control } from './sock';
import { constants } from './sockopt';
import { validateBooleanArg, type UnixOwner } from './validate';

/** The unix networks Go's ResolveUnixAddr knows. */
export type UnixNetwork = 'unix' | 'unixgram' | 'unixpacket';

/**
 * Go's *net.UnixAddr: `toString()` is the name, a path or '@abstract'.
 *
 * A name given as a string is encoded UTF-8 when used, as Node encodes
 * paths. A name may also be bytes (a Uint8Array, '@' first for the
 * abstract namespace): the kernel's names need not be UTF-8, and a name
 * read back that is not (a peer's, from readFrom) comes as a UnixAddr
 * whose `bytes` hold it exactly, so writeTo(buf, addr) reaches the same
 * name; its `name` shows the bad bytes as U+FFFD.
 */
export class UnixAddr implements Addr {
  readonly network: UnixNetwork;
  /** A path, '@name' for Linux's abstract namespace, '' for an unnamed socket. */
  readonly name: string;
  /** The name's exact bytes, when it was given as bytes or is not valid UTF-8; else undefined. */
  readonly bytes: Uint8Array | undefined;
  constructor(name: string | Uint8Array, network: UnixNetwork = 'unix') {
    if (typeof name === 'string') {
      this.name = name;
      this.bytes = undefined;
    } else {
      this.bytes = Uint8Array.from(name);
      this.name = Buffer.from(this.bytes).toString('utf8');
    }
    this.network = network;
  }
  toString(): string {
    return this.name;
  }
}

// The socket file's device and inode, read right after bind(2), per
// listener that created it: close() unlinks the path only while it still
// names that file (#19). A listener from fileListener has none.
const boundFiles = new WeakMap<UnixListener<unknown>, fs.BigIntStats>();

/**
 * A listening unix stream socket (Go's *net.UnixListener), from
 * `ListenConfig.listen('unix', path)`. Closing it removes the socket file
 * it created, unless `setUnlinkOnClose(false)`; an abstract name ('@…') has
 * no file.
 */
export class UnixListener<C = net.Socket> extends StreamListener<UnixAddr, C> {
  #unlink = true;
  #unlinked = false;

  /**
   * Go's SetUnlinkOnClose: whether close() removes the socket file. The
   * default is true, since this listener's bind() created the file.
   */
  setUnlinkOnClose(unlink: boolean): void {
    validateBooleanArg('unlink', unlink);
    this.#unlink = unlink;
  }

  /**
   * Removes the socket file (once, before the socket closes, as Go does),
   * then closes as every listener does. Unlike Go and libuv, the file is
   * removed only if the path still names the one this listener's bind(2)
   * created (same device and inode): after a restart removed it and bound
   * a new socket there, closing the old listener leaves the new file alone.
   */
  override close(): Promise<void> {
    const path = this.addr().name;
    if (!this.closed && !this.#unlinked && this.#unlink && path !== '' && path[0] !== '@') {
      this.#unlinked = true;
      try {
        const mine = boundFiles.get(this);
        const st = fs.lstatSync(path, { bigint: true });
        if (mine !== undefined && st.dev === mine.dev && st.ino === mine.ino) fs.unlinkSync(path);
      } catch {
        // Go ignores it too: the file may already be gone.
      }
    }
    return super.close();
  }
}

/** @internal The ListenConfig fields a unix listener needs. */
export interface UnixListenParams {
  backlog: number;
  control: Control | undefined;
  /** unixMode and unixOwner: applied to the file between bind and listen. */
  mode: number | undefined;
  owner: UnixOwner | undefined;
}

// unixMode/unixOwner on the path, before listen(2): until then a connect
// is refused, so no client ever reaches the socket under the umask's mode.
// chmod of the path, since Linux's fchmod on a socket descriptor changes
// the socket's inode, not the file's (measured: the mode stays).
function applyFileOptions(path: string, p: UnixListenParams): void {
  const sys = (syscall: string, f: () => void) => {
    try {
      f();
    } catch (e) {
      const errno = (e as { errno?: unknown }).errno;
      throw typeof errno === 'number' ? new SyscallError(syscall, errno) : e;
    }
  };
  if (p.owner !== undefined) sys('chown', () => fs.chownSync(path, p.owner?.uid ?? -1, p.owner?.gid ?? -1));
  if (p.mode !== undefined) sys('chmod', () => fs.chmodSync(path, p.mode as number));
}

/** @internal Go's ResolveUnixAddr and sysListener.listenUnix. */
export async function listenUnix(
  p: UnixListenParams,
  network: string,
  address: string,
  signal: AbortSignal | undefined,
): Promise<UnixListener<unknown>> {
  if (network !== 'unix' && network !== 'unixgram' && network !== 'unixpacket') {
    throw new OpError('listen', network, undefined, new UnknownNetworkError(network));
  }
  const laddr = new UnixAddr(address, network);
  if (network === 'unixgram') {
    // Go 1.19 returns a UnixListener over a datagram socket here, whose
    // Accept can only fail; a datagram socket is ListenPacket's.
    throw unsupportedNetwork(
      network,
      laddr,
      "network unixgram is a datagram network: it has no listener; listenPacket('unixgram', address) opens one (Go's ListenPacket)",
    );
  }
  if (process.platform === 'win32') {
    // Winsock has AF_UNIX since Windows 10 1803, but libuv's Windows pipes
    // are named pipes: an AF_UNIX SOCKET cannot become a net.Socket.
    throw unsupportedNetwork(
      network,
      laddr,
      network === 'unixpacket'
        ? "network unixpacket is not supported on Windows: Winsock's AF_UNIX has stream sockets only"
        : "network unix is not supported on Windows: Node's pipes there are named pipes, which cannot carry an AF_UNIX socket",
    );
  }
  const fileOptions = p.mode !== undefined || p.owner !== undefined;
  if (fileOptions && (address === '' || address[0] === '@' || address[0] === '\0')) {
    throw unsupportedNetwork(
      network,
      laddr,
      'unixMode and unixOwner apply to a socket file: an abstract or unnamed socket has none',
    );
  }
  const { requested, arg, effective } = listenBacklog(p.backlog);
  let bound: fs.BigIntStats | undefined;
  const { sock, name } = await socket({
    network,
    laddr,
    domain: constants.AF_UNIX,
    // SOCK_SEQPACKET keeps message boundaries, which a net.Socket (a byte
    // stream) would merge: its connections are UnixConns (unixconn.ts).
    type: network === 'unixpacket' ? (constants.SOCK_SEQPACKET as number) : constants.SOCK_STREAM,
    protocol: 0,
    v6only: false,
    ctrlNetwork: network,
    ctrlAddress: address,
    control: p.control,
    signal,
    bind: { host: address, zone: '', port: 0 },
    listen: {
      arg,
      beforeListen: () => {
        if (address === '' || address[0] === '@' || address[0] === '\0') return;
        bound = fs.lstatSync(address, { bigint: true });
        try {
          if (fileOptions) applyFileOptions(address, p);
        } catch (e) {
          // The file is this bind's: a failed listen leaves no file behind.
          fs.unlinkSync(address);
          throw e;
        }
      },
    },
  });
  try {
    const ln = new UnixListener({
      sock,
      network,
      addr: new UnixAddr(name.raw ?? name.host, network),
      backlog: { requested, effective },
      acceptOptions: NO_ACCEPT_OPTIONS,
      queue: () => undefined,
      adopt: (network === 'unixpacket' ? adoptUnixpacket(network) : adoptUnix) as StreamListenerInit<
        UnixAddr,
        net.Socket
      >['adopt'],
    });
    if (bound !== undefined) boundFiles.set(ln, bound);
    return ln;
  } catch (e) {
    binding.close(sock);
    throw new OpError('listen', network, laddr, e as Error);
  }
}
