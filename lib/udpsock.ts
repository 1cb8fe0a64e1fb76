// UDP on the one socket() path (Go's udpsock.go and udpsock_posix.go, and
// listenDatagram in sock_posix.go): the socket is made here, so Control runs
// before bind() (SO_REUSEPORT, SO_RCVBUF, IP_FREEBIND…), then it is handed
// to Node as an ordinary dgram.Socket.
import * as dgram from 'node:dgram';
import { IPPortAddr, favoriteAddrFamily, formatTCPAddr, sockaddrIP, type TCPAddrParts } from './address';
import { ErrClosed, OpError } from './errors';
import { ipFamily, ipString } from './ip';
import { rememberPacketSocket } from './syscallconn';
import { socket, type Control } from './sock';
import { constants } from './sockopt';

/** The networks listenPacket takes for UDP. */
export type UDPNetwork = 'udp' | 'udp4' | 'udp6';

/** Go's *net.UDPAddr, for error texts: `listen udp 192.0.2.1:0: …`. */
export class UDPAddr extends IPPortAddr {
  readonly network = 'udp';
}

/** @internal The ListenConfig fields UDP needs. */
export interface UDPListenParams {
  control: Control | undefined;
}

// IPv4 224.0.0.0/4, IPv6 ff00::/8 (Go's IP.IsMulticast).
function isMulticast(ip: string): boolean {
  if (ip === '') return false;
  if (ipFamily(ip) === 4) {
    const first = Number(ip.replace(/^::ffff:/i, '').split('.')[0]);
    return first >= 224 && first <= 239;
  }
  return /^ff/i.test(ip);
}

/** @internal Go's sysListener.listenUDP, for a resolved address. */
export async function listenUDP(
  p: UDPListenParams,
  network: UDPNetwork,
  la: TCPAddrParts,
  signal: AbortSignal | undefined,
): Promise<dgram.Socket> {
  const { family, v6only } = favoriteAddrFamily(network, la);
  const laddr = new UDPAddr(la.ip, la.port, la.zone);
  // A multicast address binds the wildcard with the group's port and
  // SO_REUSEADDR, so unicast and other multicast programs share the port
  // (Go's listenDatagram); joining the group is addMembership()'s. The
  // zone stays, as Go's copy of the address keeps it: [ff02::fb%eth0]
  // binds [::%eth0].
  const multicast = isMulticast(la.ip);
  const bindIP = multicast ? '' : la.ip;
  const domain = family === 6 ? constants.AF_INET6 : constants.AF_INET;
  return socket(
    {
      network,
      laddr,
      domain,
      type: constants.SOCK_DGRAM,
      protocol: 0,
      v6only,
      ctrlNetwork: network === 'udp' ? `udp${family}` : network,
      // Control is told the address bound, the wildcard for a group, as Go's.
      ctrlAddress: formatTCPAddr(multicast ? { ...la, ip: family === 6 ? '::' : '0.0.0.0' } : la),
      control: p.control,
      signal,
      bind: { host: sockaddrIP(family, bindIP), zone: la.zone, port: la.port },
      multicast,
    },
    ({ sock, name }) => {
      const ds = dgram.createSocket({ type: family === 6 ? 'udp6' : 'udp4' });
      rememberPacketSocket(ds, sock, network);
      closeOnce(ds, network, new UDPAddr(name.host === '' ? '' : ipString(name.host), name.port, name.zone));
      try {
        // Node's documented way to wrap a bound descriptor: bind({ fd })
        // opens its UDP handle on it and starts receiving at once. The
        // handle owns the socket from then on, so this is the last step
        // that may throw (socket()'s failure tail would close it).
        ds.bind({ fd: sock });
      } catch (e) {
        ds.close();
        throw e;
      }
      return ds;
    },
  );
}

/**
 * A second close() throws Go's `close udp 127.0.0.1:PORT: use of closed
 * network connection` (an OpError wrapping ErrClosed, as UDPConn.Close
 * returns; Go's TestCloseError), where dgram throws its own
 * ERR_SOCKET_DGRAM_NOT_RUNNING. Thrown as dgram throws, synchronously, and
 * with dgram's code, so code written against dgram still matches.
 */
function closeOnce(ds: dgram.Socket, network: string, laddr: UDPAddr): void {
  const close = ds.close;
  let closed = false;
  ds.close = function (this: dgram.Socket, ...args: Parameters<dgram.Socket['close']>) {
    if (closed) {
      const e = new OpError('close', network, laddr, ErrClosed);
      Object.defineProperty(e, 'code', { value: 'ERR_SOCKET_DGRAM_NOT_RUNNING' });
      throw e;
    }
    closed = true;
    return close.apply(this, args);
  } as dgram.Socket['close'];
}
