// Go's raw IP networks ('ip', 'ip4', 'ip6' with ':proto', iprawsock.go and
// iprawsock_posix.go): ListenPacket('ip4:icmp', '127.0.0.1') is a SOCK_RAW
// socket of that protocol, an IPConn on the message engine (msgconn.ts).
// Opening one needs root or CAP_NET_RAW on Linux; without, socket() fails
// with Go's `listen ip4:icmp 127.0.0.1: socket: operation not permitted`.
import * as dns from 'node:dns/promises';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { AbortError, AddrError, OpError, UnknownNetworkError, unsupportedNetwork, type Addr } from './errors';
import { canonicalIP } from './ip';
import { Failed, MessageConn, rejecting, validateBytes } from './msgconn';
import { binding } from './native';
import { socket, type Control } from './sock';
import { constants } from './sockopt';
import { describe } from './validate';

/** Go's *net.IPAddr: an IP and, for IPv6 link-local, a zone. */
export class IPAddr implements Addr {
  readonly network = 'ip';
  readonly ip: string;
  readonly zone: string;
  constructor(ip: string, zone = '') {
    this.ip = ip;
    this.zone = zone;
  }
  toString(): string {
    return this.zone === '' ? this.ip : `${this.ip}%${this.zone}`;
  }
}

// Go's lookupProtocol: a number, else a name of /etc/protocols (Go reads
// the same file; its built-in table covers icmp, igmp, tcp, udp, ipv6-icmp
// where the file is missing).
const BUILTIN: Record<string, number> = { icmp: 1, igmp: 2, tcp: 6, udp: 17, 'ipv6-icmp': 58 };
function lookupProtocol(name: string): number | undefined {
  if (/^\d+$/.test(name)) {
    const n = Number(name);
    return n <= 255 ? n : undefined;
  }
  const lower = name.toLowerCase();
  try {
    for (const line of fs.readFileSync('/etc/protocols', 'utf8').split('\n')) {
      const f = line.replace(/#.*/, '').trim().split(/\s+/);
      if (f.length >= 2 && (f[0].toLowerCase() === lower || f.slice(2).some((a) => a.toLowerCase() === lower))) {
        return Number(f[1]);
      }
    }
  } catch {
    // no /etc/protocols: the built-in table
  }
  return BUILTIN[lower];
}

/** @internal Go's parseNetwork for the ip networks: [afnet, proto]. */
export function parseIPNetwork(network: string): [afnet: 'ip' | 'ip4' | 'ip6', proto: number] {
  const i = network.lastIndexOf(':');
  const afnet = i < 0 ? network : network.slice(0, i);
  if (i < 0 || (afnet !== 'ip' && afnet !== 'ip4' && afnet !== 'ip6')) throw new UnknownNetworkError(network);
  const name = network.slice(i + 1);
  const proto = lookupProtocol(name);
  if (proto === undefined) throw new AddrError('unknown IP protocol specified', name);
  return [afnet, proto];
}

/**
 * A raw IP socket: Go's *net.IPConn from `listenPacket('ip4:icmp', addr)`.
 * readFrom gives the payload (an IPv4 header is stripped, as Go's
 * ReadFrom does) and the sender; writeTo sends one packet of the socket's
 * protocol (the kernel adds the IP header).
 */
export class IPConn extends MessageConn<IPAddr> {
  readonly #family: 4 | 6;

  /** @internal */
  constructor(sock: number, network: string, laddr: IPAddr, family: 4 | 6) {
    super({ sock, network, laddr, raddr: undefined });
    this.#family = family;
  }

  /** Go's ReadFrom: one packet's payload into `buf`, and its sender. */
  readFrom(buf: Uint8Array): Promise<{ n: number; addr: IPAddr | null }> {
    return rejecting(() => {
      validateBytes('buf', buf);
      return this.io('read', 'recvfrom', () => {
        const r = binding.recvmsg(this.sock, buf, null);
        if (typeof r === 'number') return new Failed(r);
        const from = r[3];
        const n = this.#family === 4 ? stripIPv4Header(r[0], buf) : r[0];
        return { n, addr: from === null ? null : new IPAddr(canonicalIP(from.host), from.zone) };
      });
    });
  }

  /** Go's WriteTo: one packet to `addr` (an IP literal or an IPAddr). */
  writeTo(buf: Uint8Array, addr: IPAddr | string): Promise<number> {
    return rejecting(() => {
      validateBytes('buf', buf);
      let to: IPAddr;
      if (addr instanceof IPAddr) to = addr;
      else if (typeof addr === 'string') {
        const [ip, zone = ''] = addr.split('%');
        to = new IPAddr(ip, zone);
      } else {
        throw Object.assign(
          new TypeError(
            `The "addr" argument must be of type string or an instance of IPAddr. Received ${describe(addr)}`,
          ),
          { code: 'ERR_INVALID_ARG_TYPE' },
        );
      }
      const ip = net.isIP(to.ip) === 0 ? to.ip : canonicalIP(to.ip);
      const v = net.isIP(ip);
      // Go's ipToSockaddr: an IPv4 socket takes IPv4 (or v4-mapped) addresses only.
      if (this.#family === 4 && v === 6) {
        return Promise.reject(this.opError('write', new AddrError('non-IPv4 address', ip), to));
      }
      const domain = this.#family === 4 ? constants.AF_INET : constants.AF_INET6;
      const host = this.#family === 6 && v === 4 ? `::ffff:${ip}` : ip;
      return this.io(
        'write',
        'sendto',
        () => {
          const r = binding.sendmsg(this.sock, buf, null, domain, host, to.zone, 0);
          return r < 0 ? new Failed(r) : r;
        },
        to,
      );
    });
  }
}

// Go's stripIPv4Header: a raw IPv4 socket reads the IP header too.
function stripIPv4Header(n: number, b: Uint8Array): number {
  if (n < 20) return n;
  const l = (b[0] & 0x0f) << 2;
  if (b[0] >> 4 !== 4 || l < 20 || l > n) return n;
  b.copyWithin(0, l, n);
  return n - l;
}

/** @internal Go's ListenPacket for the ip networks. */
export async function listenIP(
  p: { control: Control | undefined },
  network: string,
  address: string,
  signal: AbortSignal | undefined,
): Promise<IPConn> {
  let afnet: 'ip' | 'ip4' | 'ip6';
  let proto: number;
  try {
    [afnet, proto] = parseIPNetwork(network);
  } catch (e) {
    throw new OpError('listen', network, undefined, e as Error);
  }
  if (process.platform === 'win32') {
    throw unsupportedNetwork(network, undefined, `network ${network} is not supported on Windows`);
  }
  // Go resolves the host: a literal, '' (the wildcard), or a name.
  let [ip, zone = ''] = address.split('%');
  if (ip !== '' && net.isIP(ip) === 0) {
    try {
      const family = afnet === 'ip4' ? 4 : afnet === 'ip6' ? 6 : 0;
      ip = (await dns.lookup(ip, { family, verbatim: true })).address;
    } catch (e) {
      if (signal?.aborted) throw new AbortError(signal);
      throw new OpError(
        'listen',
        network,
        undefined,
        Object.assign(new Error(`lookup ${address}: no such host`), { code: (e as { code?: string }).code }),
      );
    }
  }
  const v = ip === '' ? 0 : net.isIP(ip);
  if ((afnet === 'ip4' && v === 6) || (afnet === 'ip6' && v === 4)) {
    throw new OpError('listen', network, undefined, new AddrError('no suitable address found', address));
  }
  const family: 4 | 6 = afnet === 'ip6' || v === 6 ? 6 : 4;
  const laddr = new IPAddr(ip, zone);
  const { sock, name } = await socket({
    network,
    laddr,
    domain: family === 6 ? constants.AF_INET6 : constants.AF_INET,
    type: constants.SOCK_RAW as number,
    protocol: proto,
    v6only: family === 6 && afnet === 'ip6',
    // Go's netFD.ctrlNetwork of the parsed network: 'ip4:icmp' is 'ip4',
    // 'ip:icmp' 'ip4' or 'ip6' by the family (measured with Go 1.19).
    ctrlNetwork: afnet === 'ip' ? `ip${family}` : afnet,
    ctrlAddress: laddr.toString(),
    control: p.control,
    signal,
    bind: { host: ip === '' ? (family === 6 ? '::' : '0.0.0.0') : ip, zone, port: 0 },
  });
  try {
    // The connection's errors name the parsed network, as Go's: `read ip4
    // 127.0.0.1: i/o timeout` for a socket of 'ip4:icmp'. It takes the
    // socket even when it throws (its watcher closes it then).
    return new IPConn(sock, afnet, new IPAddr(canonicalIP(name.host), name.zone), family);
  } catch (e) {
    throw new OpError('listen', network, laddr, e as Error);
  }
}
