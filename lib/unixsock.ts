// Unix stream sockets on the one socket() path (Go's unixsock.go and
// unixsock_posix.go): Control gets ('unix', path), Linux's abstract names
// are '@name', and the socket file is removed on close when this listener
// created it (Go's SetUnlinkOnClose). Accepted connections are net.Sockets
// on a pipe handle, what net.Server makes for a path.
import * as fs from 'node:fs';
import type * as net from 'node:net';
import { adoptUnix } from './adopt';
import { listenBacklog } from './backlog/listen';
import { OpError, UnknownNetworkError, unsupportedNetwork, type Addr } from './errors';
import { NO_ACCEPT_OPTIONS } from './keepalive';
import { StreamListener, type StreamListenerInit } from './stream-listener';
import { adoptUnixpacket } from './unixconn';
import { binding } from './native';
import { socket, type Control } from './sock';
import { constants } from './sockopt';
import { validateBooleanArg } from './validate';

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
   * Removes the socket file (once, before the socket closes, as Go does, so
   * no other listener can have bound the path in between), then closes as
   * every listener does.
   */
  override close(): Promise<void> {
    const path = this.addr().name;
    if (!this.closed && !this.#unlinked && this.#unlink && path !== '' && path[0] !== '@') {
      this.#unlinked = true;
      try {
        fs.unlinkSync(path);
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
  const { requested, arg, effective } = listenBacklog(p.backlog);
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
    listen: { arg },
  });
  try {
    return new UnixListener({
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
  } catch (e) {
    binding.close(sock);
    throw new OpError('listen', network, laddr, e as Error);
  }
}
