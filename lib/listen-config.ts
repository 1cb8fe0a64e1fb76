// ListenConfig: Go's net.ListenConfig with the Backlog knob of the proposal
// in Go issue 39000. The socket is made here, not by libuv: socket(),
// default options, the Control hook, bind(), listen(backlog), in Go's order
// (net/sock_posix.go, listenStream).
import {
  favoriteAddrFamily,
  resolveListenAddr,
  sockaddrIP,
  formatTCPAddr,
  type Network,
  type TCPAddrParts,
} from './address';
import { listenBacklog } from './backlog/listen';
import { ipString } from './ip';
import { AbortError, AddrError, OpError, SyscallError, check } from './errors';
import { acceptOptions, type KeepAliveConfig } from './keepalive';
import { Listener, TCPAddr } from './listener';
import { binding, type Sock } from './native';
import { ValidRawConn, type RawConn } from './rawconn';
import { constants, setsockopt } from './sockopt';
import { validateListenConfigOptions, validateListenOptions, validateString } from './validate';

export { MAX_BACKLOG } from './validate';

/**
 * Go's Control: runs after socket() and the default options, before bind().
 * `network` is 'tcp4' or 'tcp6' (the socket's family), `address` the
 * address about to be bound, in Go's format (':0', '127.0.0.1:8080').
 * A throw or a rejection fails the listen; the socket is closed.
 */
export type Control = (network: string, address: string, rawConn: RawConn) => void | Promise<void>;

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
}

export interface ListenOptions {
  /** Aborts the listen while the address is being resolved or Control runs. */
  signal?: AbortSignal;
}

/** Go's ctrlNetwork: the network named after the socket's family. */
function ctrlNetwork(network: Network, family: 4 | 6): string {
  return network === 'tcp' ? `tcp${family}` : network;
}

function queueOf(sock: Sock): [number, number] | undefined {
  const r = binding.listenQueue(sock);
  return typeof r === 'number' ? undefined : r;
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
  readonly #acceptOptions: [number, number, number, number, boolean];

  constructor(options?: ListenConfigOptions) {
    const o = validateListenConfigOptions(options);
    this.backlog = o.backlog;
    this.control = o.control as Control | undefined;
    this.keepAlive = o.keepAlive;
    this.keepAliveConfig = o.keepAliveConfig === undefined ? undefined : Object.freeze(o.keepAliveConfig);
    this.#acceptOptions = acceptOptions(this.keepAlive, o.keepAliveConfig);
  }

  /**
   * Go's ListenConfig.Listen for 'tcp', 'tcp4' and 'tcp6'. Resolves to a
   * Listener; rejects with an OpError carrying Go's text, e.g.
   * `listen tcp: address 99999: invalid port`.
   */
  async listen(network: string, address: string, options?: ListenOptions): Promise<Listener> {
    // Argument errors reject, as from Node's promise APIs (timers/promises),
    // before any lookup or socket: this body runs synchronously up to the
    // first await.
    validateString('network', network);
    validateString('address', address);
    const signal = validateListenOptions(options);
    if (signal?.aborted) throw new AbortError(signal);
    if (/^(unix|unixgram|unixpacket)$/.test(network) || /^ip[46]?(:|$)/.test(network)) {
      // Networks Go knows and this package does not listen on.
      const err = Object.assign(new Error(`network ${network} is not supported (tcp, tcp4 and tcp6 are)`), {
        code: 'ERR_UNSUPPORTED_NETWORK',
      });
      throw new OpError('listen', network, undefined, err);
    }
    let la: TCPAddrParts;
    try {
      la = await resolveListenAddr(network, address, signal);
    } catch (e) {
      if (e instanceof AbortError) throw e;
      throw new OpError('listen', network, undefined, e as Error);
    }
    if (network.startsWith('udp')) {
      // Go's Listen is for stream networks: a UDP address fails this way.
      throw new OpError('listen', network, new TCPAddr(la.ip, la.port, la.zone), new AddrError('unexpected address type', address));
    }
    return this.#listenTCP(network as Network, la, signal);
  }

  async #listenTCP(network: Network, la: TCPAddrParts, signal: AbortSignal | undefined): Promise<Listener> {
    const laddr = new TCPAddr(la.ip, la.port, la.zone);
    // Go's Control returns an error; a thrown non-Error (a string, say) is
    // wrapped so the message reads as Go's, and kept as that error's cause.
    const fail = (e: unknown) =>
      new OpError('listen', network, laddr, e instanceof Error ? e : new Error(String(e), { cause: e }));
    const { family, v6only } = favoriteAddrFamily(network, la);
    const domain = family === 6 ? constants.AF_INET6 : constants.AF_INET;
    const s = binding.socket(domain, constants.SOCK_STREAM, 0);
    if (s < 0) throw fail(new SyscallError('socket', s));
    const sock: Sock = s;
    let owned = true; // until the Listener owns the socket
    try {
      check('setsockopt', binding.setDefaultSockopts(sock, domain, constants.SOCK_STREAM, v6only));
      check('setsockopt', binding.setDefaultListenerSockopts(sock));
      if (this.control !== undefined) {
        let done = false;
        const rawConn = new ValidRawConn(sock, () =>
          done ? new OpError('raw-control', network, laddr, new Error('use of RawConn after Control returned')) : undefined,
        );
        try {
          await this.control(ctrlNetwork(network, family), formatTCPAddr(la), rawConn);
        } finally {
          done = true;
        }
      }
      if (signal?.aborted) throw new AbortError(signal);
      check('bind', binding.bind(sock, domain, sockaddrIP(family, la.ip), la.zone, la.port));
      // On Windows arg is SOMAXCONN_HINT(n) from 200 on (lib/backlog/windows.ts).
      const { requested, arg, effective: computed } = listenBacklog(this.backlog);
      // Go sets keep-alive and TCP_NODELAY on each accepted connection.
      // Where the kernel copies them from the listener (Linux, posix.cc),
      // they are set once here, before listen() so no connection can be
      // cloned without them; the native acceptor sets the rest per connection.
      check('setsockopt', binding.inheritAcceptOptions(sock, this.#acceptOptions));
      check('listen', binding.listen(sock, arg));
      const name = binding.getsockname(sock);
      if (typeof name === 'number') throw new SyscallError('getsockname', name);
      const q = queueOf(sock);
      // Without a kernel report, the clamp is computed: BSD and macOS clamp
      // to somaxconn as Linux does; Windows to 65535 (SOMAXCONN_HINT).
      const effective = q !== undefined ? q[1] : computed;
      const ln = new Listener({
        sock,
        network,
        // getsockname's text is inet_ntop's; Go prints ::102:304 where it says ::1.2.3.4.
        addr: new TCPAddr(ipString(name.host), name.port, name.zone),
        backlog: { requested, effective },
        acceptOptions: this.#acceptOptions,
        queue: () => queueOf(sock)?.[0],
      });
      owned = false;
      return ln;
    } catch (e) {
      if (e instanceof AbortError) throw e;
      throw fail(e);
    } finally {
      if (owned) binding.close(sock);
    }
  }
}

/** Go's net.Listen: the zero ListenConfig. */
export function listen(network: string, address: string, options?: ListenOptions): Promise<Listener> {
  return new ListenConfig().listen(network, address, options);
}
