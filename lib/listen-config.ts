// ListenConfig: Go's net.ListenConfig with the Backlog knob of the proposal
// in Go issue 39000. This file holds the options and dispatches on the
// network, as Go's ListenConfig.Listen does; the socket itself is made on
// the one socket() path (sock.ts) by the network's own module (tcpsock.ts).
import type * as dgram from 'node:dgram';
import { resolveListenAddr, type Network, type Network as TCPNetwork, type TCPAddrParts } from './address';
import { AbortError, AddrError, OpError, unsupportedNetwork } from './errors';
import { connOptions, type KeepAliveConfig } from './keepalive';
import type { Control } from './sock';
import { TCPAddr, listenTCP, listenTCPSync, type TCPListener, type TCPListenParams } from './tcpsock';
import { listenUDP, type UDPListenParams, type UDPNetwork } from './udpsock';
import { UnixAddr, listenUnix, type UnixListener, type UnixListenParams } from './unixsock';
import { listenMultipathTCP } from './godebug';
import { listenUnixgram, type UnixConn } from './unixconn';
import { listenIP, type IPConn } from './iprawsock';
import {
  MULTIPATH_TCP,
  validateBooleanArg,
  validateListenConfigOptions,
  type UnixOwner,
  validateListenOptions,
  validateNetworkAddress,
} from './validate';

/** Go's raw IP networks: 'ip', 'ip4' or 'ip6', a colon, a protocol name or number. */
export type IPNetwork = `ip:${string}` | `ip4:${string}` | `ip6:${string}`;

export type { Control } from './sock';

/**
 * The networks listen() takes, as a type: 'udp' or 'unixpacket' does not
 * compile (JavaScript callers get Go's runtime errors instead).
 */
export type StreamNetwork = TCPNetwork | 'unix';
export { MAX_BACKLOG } from './validate';

export interface ListenConfigOptions {
  /**
   * The accept queue length passed to listen(2). 0 or absent:
   * maxListenerBacklog(). A positive integer up to 2^31-1 otherwise; the
   * kernel may clamp it, and `listener.backlog.effective` says what applies.
   */
  backlog?: number;
  /** Runs on the raw socket between socket() and bind(); see Control. */
  control?: Control;
  /**
   * Keep-alive idle time of accepted connections, in milliseconds. 0 or
   * absent: on, 15 s (Go's default); negative: keep-alive stays off.
   */
  keepAlive?: number;
  /** Go's KeepAliveConfig; with `enable: true` it wins over `keepAlive`. */
  keepAliveConfig?: KeepAliveConfig;
  /**
   * Go's SetMultipathTCP: TCP listeners use Multipath TCP (IPPROTO_MPTCP)
   * where the kernel offers it, plain TCP where it refuses
   * (`ln.multipathTCP()` says which). Absent: Go 1.24+'s default, on,
   * unless the GODEBUG environment variable says `multipathtcp=0` or `=3`
   * (read at each listen, as Go reads it; docs/go-compat.md).
   */
  multipathTCP?: boolean;
  /**
   * The permission bits of a unix socket file (e.g. `0o660`). The socket
   * is bound to a temporary name in a private directory beside the path,
   * given its mode (and owner) there and then linked to the path before
   * listen(2): no client can connect before they apply, and a symlink
   * raced over the path is never followed (docs/deploy.md). On Linux the
   * private directory is reached through /proc; on macOS, the BSDs and a
   * Linux without /proc mounted by its path, so there every directory
   * above the socket (its parent resolved, up to /) must be this user's
   * or root's and not writable by group or others unless sticky (else
   * refused). Only the mode bits are checked: on macOS and FreeBSD an ACL
   * can allow renames the mode bits don't show. The
   * socket's own name (getsockname) is the temporary one: `addr()` is the
   * path, but a listener made by hand from `file()` names the temporary
   * path (Upgrader passes the path along). Go has no such option; Node's
   * `readableAll`/`writableAll` are the nearest. Not for abstract names
   * ('@…'), which have no file; not on Windows.
   */
  unixMode?: number;
  /**
   * The owner and group of a unix socket file, numeric (`{ gid: 33 }`),
   * set (as `unixMode` is, before the file has its name) where the process may
   * (root, or a group it belongs to). -1 or absent keeps the id.
   */
  unixOwner?: UnixOwner;
}

export interface ListenOptions {
  /** Aborts the listen while the address is being resolved or Control runs. */
  signal?: AbortSignal;
}

/**
 * Go's net.ListenConfig, plus the `backlog` of Go issue 39000.
 *
 *     const ln = await new ListenConfig({ backlog: 1 }).listen('tcp', ':0');
 *
 * Options are validated here, so a bad value throws at construction.
 */
export class ListenConfig {
  readonly backlog: number;
  readonly control: Control | undefined;
  readonly keepAlive: number | undefined;
  readonly keepAliveConfig: Readonly<KeepAliveConfig> | undefined;
  readonly unixMode: number | undefined;
  readonly unixOwner: Readonly<UnixOwner> | undefined;
  #tcp: TCPListenParams;
  readonly #unix: UnixListenParams;
  readonly #udp: UDPListenParams;

  constructor(options?: ListenConfigOptions) {
    const o = validateListenConfigOptions(options);
    this.backlog = o.backlog;
    this.control = o.control as Control | undefined;
    this.keepAlive = o.keepAlive;
    this.keepAliveConfig = o.keepAliveConfig === undefined ? undefined : Object.freeze(o.keepAliveConfig);
    this.unixMode = o.unixMode;
    this.unixOwner = o.unixOwner;
    this.#unix = { backlog: this.backlog, control: this.control, mode: o.unixMode, owner: o.unixOwner };
    this.#udp = { control: this.control };
    this.#tcp = {
      backlog: this.backlog,
      control: this.control,
      connOptions: connOptions(this.keepAlive, o.keepAliveConfig),
      multipathTCP: o.multipathTCP,
      keepAliveSet: o.keepAlive !== undefined || o.keepAliveConfig !== undefined,
    };
  }

  /**
   * Go's ListenConfig.MultipathTCP: whether TCP listens will ask for MPTCP
   * (not whether the OS has it): the setMultipathTCP() value, else Go
   * 1.24+'s default from GODEBUG (`multipathtcp=0` or `=3`: false).
   */
  multipathTCP(): boolean {
    return listenMultipathTCP(this.#tcp.multipathTCP);
  }

  /** @internal The explicit setting, for a copy (`new ListenConfig(lc)`). */
  get [MULTIPATH_TCP](): boolean | undefined {
    return this.#tcp.multipathTCP;
  }

  /** Go's ListenConfig.SetMultipathTCP: later TCP listens ask for MPTCP (true) or not. */
  setMultipathTCP(use: boolean): void {
    validateBooleanArg('use', use);
    this.#tcp = { ...this.#tcp, multipathTCP: use };
  }

  /**
   * Go's ListenConfig.Listen for 'tcp', 'tcp4' and 'tcp6'. Resolves to a
   * TCPListener; rejects with an OpError carrying Go's text, e.g.
   * `listen tcp: address 99999: invalid port`.
   */
  listen(network: TCPNetwork, address: string, options?: ListenOptions): Promise<TCPListener>;
  listen(network: 'unix', address: string, options?: ListenOptions): Promise<UnixListener>;
  /** 'unixpacket' (SOCK_SEQPACKET): accept() yields message connections, UnixConns. */
  listen(network: 'unixpacket', address: string, options?: ListenOptions): Promise<UnixListener<UnixConn>>;
  listen(network: StreamNetwork, address: string, options?: ListenOptions): Promise<TCPListener | UnixListener>;
  async listen(
    network: string,
    address: string,
    options?: ListenOptions,
  ): Promise<TCPListener | UnixListener | UnixListener<UnixConn>> {
    // Argument errors reject, as from Node's promise APIs (timers/promises),
    // before any lookup or socket: this body runs synchronously up to the
    // first await.
    validateNetworkAddress('listen', network, address);
    const signal = validateListenOptions(options);
    if (signal?.aborted) throw new AbortError(signal);
    if (/^(unix|unixgram|unixpacket)$/.test(network)) {
      return listenUnix(this.#unix, network, address, signal) as Promise<UnixListener>;
    }
    if (/^ip[46]?(:|$)/.test(network)) {
      // Raw IP: Go knows it, this package does not listen on it.
      throw unsupportedNetwork(
        network,
        undefined,
        `network ${network} is not supported (tcp, tcp4, tcp6 and unix are)`,
      );
    }
    // Go's Listen is for stream networks: a UDP address is refused.
    const la = await resolveFor(network, address, signal, 'udp');
    return listenTCP(this.#tcp, network as Network, la, signal);
  }

  /**
   * @internal The register hook's listen: TCP on a numeric address Node
   * already resolved, in the caller's turn. Needs a config without Control.
   */
  listenTCPSync(network: TCPNetwork, la: TCPAddrParts): TCPListener {
    return listenTCPSync(this.#tcp, network, la);
  }

  /**
   * Go's ListenConfig.ListenPacket for 'udp', 'udp4' and 'udp6': the socket
   * is made here (default options, SO_BROADCAST, Control, bind) and handed
   * to Node as a bound `dgram.Socket`, already receiving. Go's address and
   * dual-stack rules: 'udp' on a wildcard is one AF_INET6 socket with
   * IPV6_V6ONLY=0, Control sees ('udp6', …). A multicast address binds the
   * wildcard on the group's port with SO_REUSEADDR (join with
   * addMembership()). 'unixgram' and raw IP are the overloads below (Node's
   * dgram has UDP only). Not on Windows (Node's dgram cannot adopt a SOCKET).
   */
  listenPacket(network: UDPNetwork, address: string, options?: ListenOptions): Promise<dgram.Socket>;
  /**
   * 'unixgram': a bound unix datagram socket, a UnixConn (readFrom,
   * writeTo…). The address is a path, '@name' (Linux's abstract
   * namespace), or '' for an abstract name the kernel picks (Linux).
   */
  listenPacket(network: 'unixgram', address: string, options?: ListenOptions): Promise<UnixConn>;
  /**
   * Go's raw IP networks, 'ip4:icmp', 'ip6:ipv6-icmp', 'ip:17' (a protocol
   * name of /etc/protocols or a number): a SOCK_RAW socket, an IPConn.
   * Needs root or CAP_NET_RAW (Linux); else Go's `socket: operation not
   * permitted`.
   */
  listenPacket(network: IPNetwork, address: string, options?: ListenOptions): Promise<IPConn>;
  async listenPacket(
    network: string,
    address: string,
    options?: ListenOptions,
  ): Promise<dgram.Socket | UnixConn | IPConn> {
    validateNetworkAddress('listenPacket', network, address);
    const signal = validateListenOptions(options);
    if (signal?.aborted) throw new AbortError(signal);
    if (network === 'unixgram') return listenUnixgram(this.#unix, address, signal);
    if (network === 'unix' || network === 'unixpacket') {
      // Go 1.19 makes a stream socket here and returns it as a PacketConn.
      throw unsupportedNetwork(
        network,
        new UnixAddr(address, network),
        `network ${network} is a stream network: use listen()`,
      );
    }
    if (/^ip[46]?(:|$)/.test(network)) return listenIP(this.#unix, network, address, signal);
    // Go's ListenPacket is for packet networks: a TCP address is refused.
    const la = await resolveFor(network, address, signal, 'tcp');
    if (process.platform === 'win32') {
      throw unsupportedNetwork(
        network,
        undefined,
        "listenPacket is not supported on Windows: Node's dgram module cannot adopt a SOCKET",
      );
    }
    return listenUDP(this.#udp, network as UDPNetwork, la, signal);
  }
}

// The address resolved, as an OpError if it cannot be; a network of the
// other kind (`refused`) fails after the lookup with Go's `unexpected
// address type`, as Go's Listen and ListenPacket do.
async function resolveFor(
  network: string,
  address: string,
  signal: AbortSignal | undefined,
  refused: 'tcp' | 'udp',
): Promise<TCPAddrParts> {
  let la: TCPAddrParts;
  try {
    la = await resolveListenAddr(network, address, signal);
  } catch (e) {
    if (e instanceof AbortError) throw e;
    throw new OpError('listen', network, undefined, e as Error);
  }
  if (network.startsWith(refused)) {
    throw new OpError(
      'listen',
      network,
      new TCPAddr(la.ip, la.port, la.zone),
      new AddrError('unexpected address type', address),
    );
  }
  return la;
}

/** Go's net.ListenPacket: the zero ListenConfig. */
export function listenPacket(network: UDPNetwork, address: string, options?: ListenOptions): Promise<dgram.Socket>;
export function listenPacket(network: 'unixgram', address: string, options?: ListenOptions): Promise<UnixConn>;
export function listenPacket(network: IPNetwork, address: string, options?: ListenOptions): Promise<IPConn>;
export function listenPacket(
  network: string,
  address: string,
  options?: ListenOptions,
): Promise<dgram.Socket | UnixConn | IPConn> {
  return new ListenConfig().listenPacket(network as UDPNetwork, address, options);
}

/** Go's net.Listen: the zero ListenConfig. */
export function listen(network: TCPNetwork, address: string, options?: ListenOptions): Promise<TCPListener>;
export function listen(network: 'unix', address: string, options?: ListenOptions): Promise<UnixListener>;
export function listen(
  network: 'unixpacket',
  address: string,
  options?: ListenOptions,
): Promise<UnixListener<UnixConn>>;
export function listen(
  network: StreamNetwork,
  address: string,
  options?: ListenOptions,
): Promise<TCPListener | UnixListener>;
export function listen(
  network: string,
  address: string,
  options?: ListenOptions,
): Promise<TCPListener | UnixListener | UnixListener<UnixConn>> {
  // Any string at run time, as from JavaScript: Go's errors say what is wrong.
  return new ListenConfig().listen(network as StreamNetwork, address, options);
}
