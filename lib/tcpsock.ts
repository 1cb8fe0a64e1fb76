// TCP on the one socket() path (Go's tcpsock.go and tcpsock_posix.go): the
// address family Go would pick, Control's 'tcp4'/'tcp6', keep-alive and
// TCP_NODELAY for accepted connections, and TCPListener on the shared
// pull-accept engine.
import { IPPortAddr, favoriteAddrFamily, formatTCPAddr, sockaddrIP, type Network, type TCPAddrParts } from './address';
import { adopt } from './adopt';
import { AbortError, check } from './errors';
import { NO_CONN_OPTIONS, type ConnOptions } from './keepalive';
import { ipString } from './ip';
import type { Listener } from './listener';
import { StreamListener, type StreamListenerInit } from './stream-listener';
import { binding } from './native';
import { listenQueue, socket, socketSync, type Control, type ListeningSocket, type ListenSocketRequest } from './sock';
import { constants } from './sockopt';
import { listenMultipathTCP } from './godebug';

/** Go's *net.TCPAddr; `toString()` gives `127.0.0.1:8080` or `[::]:8080`. */
export class TCPAddr extends IPPortAddr {
  readonly network = 'tcp';
}

/**
 * A listening TCP socket (Go's *net.TCPListener), from
 * `ListenConfig.listen('tcp', …)`. Accepted connections are net.Sockets
 * with Go's keep-alive and TCP_NODELAY set.
 */
export class TCPListener extends StreamListener<TCPAddr> implements Listener {
  readonly #mptcp: boolean;
  /**
   * @internal Whether the ListenConfig named a keep-alive (keepAlive or
   * keepAliveConfig): serve() then keeps Go's options on its connections;
   * otherwise a server's own settings apply (lib/serve.ts).
   */
  readonly keepAliveSet: boolean;
  /** @internal The port asked for (0: any), for serve()'s `_connectionKey`, which net keys by it. */
  readonly requestedPort: number;

  /** @internal use ListenConfig.listen. */
  constructor(init: StreamListenerInit<TCPAddr>, mptcp: boolean, keepAliveSet = false, requestedPort = 0) {
    super(init);
    this.#mptcp = mptcp;
    this.keepAliveSet = keepAliveSet;
    this.requestedPort = requestedPort;
  }

  /**
   * Whether this listener's socket is Multipath TCP (IPPROTO_MPTCP): true
   * when the config asked for it (the default since Go 1.24) and the kernel
   * gave it; false after Go's fallback to plain TCP.
   */
  multipathTCP(): boolean {
    return this.#mptcp;
  }
}

/** @internal The ListenConfig fields TCP needs. */
export interface TCPListenParams {
  backlog: number;
  control: Control | undefined;
  connOptions: ConnOptions;
  /** SetMultipathTCP's value; undefined is Go 1.24+'s default (lib/godebug.ts). */
  multipathTCP: boolean | undefined;
  /** keepAlive or keepAliveConfig given (TCPListener.keepAliveSet). */
  keepAliveSet: boolean;
}

/** @internal Go's sysListener.listenTCP, for a resolved address. */
export async function listenTCP(
  p: TCPListenParams,
  network: Network,
  la: TCPAddrParts,
  signal: AbortSignal | undefined,
): Promise<TCPListener> {
  const t = tcpRequest(p, network, la, signal);
  // MPTCP is Linux's (Go's mptcpsock_stub.go listens with plain TCP
  // elsewhere). Go's listenMPTCP retries with plain TCP after any failure
  // of the MPTCP attempt, not only socket()'s refusal (ENOPROTOOPT when
  // net.mptcp.enabled = 0, EPROTONOSUPPORT without MPTCP): a Control error
  // or a bind error runs Control a second time, on the TCP socket, and the
  // error reported is the second one. An abort is not retried, nor a
  // failure to make the listener on a listening socket: that is this
  // listen's error (Go's newTCPListener cannot fail).
  if (listenMultipathTCP(p.multipathTCP) && constants.IPPROTO_MPTCP !== undefined) {
    let listening = false;
    try {
      return await socket({ ...t, protocol: constants.IPPROTO_MPTCP }, (b) => {
        listening = true;
        return tcpListener(p, la, t, b, true);
      });
    } catch (e) {
      if (e instanceof AbortError || listening) throw e;
    }
  }
  return socket(t, (b) => tcpListener(p, la, t, b, false));
}

/**
 * @internal listenTCP without Control, in the caller's turn (sock.ts,
 * socketSync): for the register hook, whose address Node has resolved.
 */
export function listenTCPSync(p: TCPListenParams, network: Network, la: TCPAddrParts): TCPListener {
  // The hook serves every listener it makes: without a keep-alive of its
  // own the server's options decide, so Go's are never put on the
  // listening socket (Linux would pass them to a connection accepted
  // before serve() resets them).
  if (!p.keepAliveSet) p = { ...p, connOptions: [...NO_CONN_OPTIONS] };
  const t = tcpRequest(p, network, la, undefined);
  if (listenMultipathTCP(p.multipathTCP) && constants.IPPROTO_MPTCP !== undefined) {
    let listening = false;
    try {
      return socketSync({ ...t, protocol: constants.IPPROTO_MPTCP }, (b) => {
        listening = true;
        return tcpListener(p, la, t, b, true);
      });
    } catch (e) {
      // Go's fallback to plain TCP, as above.
      if (listening) throw e;
    }
  }
  return socketSync(t, (b) => tcpListener(p, la, t, b, false));
}

function tcpRequest(
  p: TCPListenParams,
  network: Network,
  la: TCPAddrParts,
  signal: AbortSignal | undefined,
): ListenSocketRequest {
  const { family, v6only } = favoriteAddrFamily(network, la);
  const domain = family === 6 ? constants.AF_INET6 : constants.AF_INET;
  return {
    network,
    laddr: new TCPAddr(la.ip, la.port, la.zone),
    domain,
    type: constants.SOCK_STREAM,
    protocol: 0,
    v6only,
    // Go's ctrlNetwork: the network named after the socket's family.
    ctrlNetwork: network === 'tcp' ? `tcp${family}` : network,
    ctrlAddress: formatTCPAddr(la),
    control: p.control,
    signal,
    bind: { host: sockaddrIP(family, la.ip), zone: la.zone, port: la.port },
    listen: {
      backlog: p.backlog,
      // Go sets keep-alive and TCP_NODELAY on each accepted connection.
      // Where the kernel copies them from the listener (Linux, posix.cc),
      // they are set once, before listen() so no connection can be cloned
      // without them; the native acceptor sets per connection the rest and
      // whatever the listener refused (read back: an MPTCP socket on
      // kernels before mid-2024 refuses the keep-alive timings).
      beforeListen: (s) => void check('setsockopt', binding.inheritConnOptions(s, p.connOptions)),
    },
  };
}

function tcpListener(
  p: TCPListenParams,
  la: TCPAddrParts,
  req: ListenSocketRequest,
  { sock, name, backlog }: ListeningSocket,
  mptcp: boolean,
): TCPListener {
  return new TCPListener(
    {
      sock,
      network: req.network,
      // getsockname's text is inet_ntop's; Go prints ::102:304 where it says ::1.2.3.4.
      addr: new TCPAddr(ipString(name.host), name.port, name.zone),
      backlog,
      connOptions: p.connOptions,
      queue: () => listenQueue(sock)?.[0],
      adopt,
    },
    mptcp,
    p.keepAliveSet,
    la.port,
  );
}
