// Go's listen-address rules: SplitHostPort, LookupPort, the literal-IP and
// name resolution of internetAddrList, and favoriteAddrFamily. Each function
// follows the Go function it is named after (net/ipsock.go, net/lookup.go,
// net/ipsock_posix.go, Go 1.27), so edge cases match Go's, errors included.
import * as dns from 'node:dns';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { AbortError, AddrError, DNSError, UnknownNetworkError } from './errors';
import { canonicalIP, canonicalIPv6, ipFamily, ipString, isUnspecified, parseLiteral } from './ip';

/** The networks this package listens on. */
export type Network = 'tcp' | 'tcp4' | 'tcp6';

/**
 * Splits "host:port", "[host]:port" or "[host%zone]:port" into host (without
 * brackets) and port, exactly as Go's net.SplitHostPort, errors included.
 */
export function splitHostPort(hostport: string): [host: string, port: string] {
  const missingPort = 'missing port in address';
  const tooManyColons = 'too many colons in address';
  let j = 0;
  let k = 0;
  let host: string;
  const i = hostport.lastIndexOf(':');
  if (i < 0) throw new AddrError(missingPort, hostport);
  if (hostport[0] === '[') {
    const end = hostport.indexOf(']');
    if (end < 0) throw new AddrError("missing ']' in address", hostport);
    if (end + 1 === hostport.length) throw new AddrError(missingPort, hostport);
    if (end + 1 !== i) {
      throw new AddrError(hostport[end + 1] === ':' ? tooManyColons : missingPort, hostport);
    }
    host = hostport.slice(1, end);
    j = 1;
    k = end + 1;
  } else {
    host = hostport.slice(0, i);
    if (host.includes(':')) throw new AddrError(tooManyColons, hostport);
  }
  if (hostport.indexOf('[', j) >= 0) throw new AddrError("unexpected '[' in address", hostport);
  if (hostport.indexOf(']', k) >= 0) throw new AddrError("unexpected ']' in address", hostport);
  return [host, hostport.slice(i + 1)];
}

/** Go's net.JoinHostPort: brackets a host that contains a colon. */
export function joinHostPort(host: string, port: string | number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Go's parsePort: a decimal number with an optional sign; anything else
 * needs a service lookup. The empty string is port 0 (Go issue 13610).
 * Out-of-range numbers saturate so that the caller reports "invalid port".
 */
export function parsePort(service: string): { port: number; needsLookup: boolean } {
  if (service === '') return { port: 0, needsLookup: false };
  const cutoff = 1 << 30;
  let s = service;
  let neg = false;
  if (s[0] === '+') s = s.slice(1);
  else if (s[0] === '-') {
    neg = true;
    s = s.slice(1);
  }
  let n = 0;
  for (const d of s) {
    if (d < '0' || d > '9') return { port: 0, needsLookup: true };
    if (n >= cutoff) {
      n = 2 ** 32 - 1;
      break;
    }
    n = n * 10 + (d.charCodeAt(0) - 48);
    if (n > 2 ** 32 - 1) {
      n = 2 ** 32 - 1;
      break;
    }
  }
  let port: number;
  if (!neg && n >= cutoff) port = cutoff - 1;
  else if (neg && n > cutoff) port = cutoff;
  else port = n;
  return { port: neg ? -port : port, needsLookup: false };
}

// Go's fallback tables (net/lookup.go), used when /etc/services lacks a name.
const defaultServices: Record<string, Record<string, number>> = {
  udp: { domain: 53 },
  tcp: {
    ftp: 21,
    ftps: 990,
    gopher: 70,
    http: 80,
    https: 443,
    imap2: 143,
    imap3: 220,
    imaps: 993,
    pop3: 110,
    pop3s: 995,
    smtp: 25,
    ssh: 22,
    telnet: 23,
  },
};

const servicesByProto = new Map<string, Map<string, number>>();

/**
 * Reads one protocol's entries of a services(5) file (tcp unless told), as
 * Go's readServices does.
 */
export function parseServices(text: string, proto = 'tcp'): Map<string, number> {
  const m = new Map<string, number>();
  for (let line of text.split('\n')) {
    const hash = line.indexOf('#');
    if (hash >= 0) line = line.slice(0, hash);
    const f = line.trim().split(/\s+/);
    if (f.length < 2) continue;
    const match = /^(\d+)\/(.+)$/.exec(f[1]);
    if (match === null || match[2] !== proto) continue;
    const port = Number(match[1]);
    if (!(port > 0)) continue;
    for (let i = 0; i < f.length; i++) if (i !== 1) m.set(f[i], port);
  }
  return m;
}

function services(proto: string): Map<string, number> {
  let m = servicesByProto.get(proto);
  if (m === undefined) {
    m = new Map(Object.entries(defaultServices[proto] ?? {}));
    try {
      for (const [k, v] of parseServices(fs.readFileSync('/etc/services', 'latin1'), proto)) m.set(k, v);
    } catch {
      // No services file (Windows, containers): Go's table only.
    }
    servicesByProto.set(proto, m);
  }
  return m;
}

// getaddrinfo(3)'s numeric service (glibc): strtoul(3) skips leading white
// space and takes a sign; the value is then held in an int, so one whose
// low 32 bits are negative is not a number, and the port is its low 16
// bits (" 65541" is port 5). Go's parsePort has already taken every string
// without leading white space.
const NUMERIC_SERVICE = /^[ \t\n\v\f\r]*([+-]?)([0-9]+)$/;

// glibc's rule on every OS; musl, macOS and the BSDs answer otherwise in
// Go (docs/go-compat.md, "Those service rules are glibc's").
function numericService(service: string): number | undefined {
  const m = NUMERIC_SERVICE.exec(service);
  if (m === null) return undefined;
  const max = (1n << 64n) - 1n;
  let v = BigInt(m[2]);
  if (v > max)
    v = max; // ERANGE: ULONG_MAX
  else if (m[1] === '-') v = ((1n << 64n) - v) & max;
  const n = Number(BigInt.asIntN(32, v));
  return n < 0 ? undefined : n & 0xffff;
}

/**
 * Go's LookupPort as Go 1.22+ on Linux answers it (its cgo resolver asks
 * getaddrinfo(3) for a service first): a number; a number after white
 * space (" 5", getaddrinfo's); or a service name looked up
 * case-insensitively in /etc/services (and Go's own table) under the
 * network's protocol. The result must be 0..65535. A failed lookup names
 * the network as given: `lookup tcp4/0x10: unknown port` (a DNSError, as
 * Go's; Go 1.19 said `address tcp/0x10: unknown port`).
 */
export function lookupPort(network: string, service: string): number {
  let { port, needsLookup } = parsePort(service);
  if (needsLookup) {
    const name = `${network}/${service}`;
    // Go cannot pass a NUL to C: syscall.ByteSliceFromString's EINVAL.
    if (service.includes('\0')) throw new DNSError('invalid argument', name, 'EINVAL', false);
    const n = numericService(service);
    const p = n ?? services(network.replace(/[46]$/, '')).get(service.toLowerCase());
    if (p === undefined) throw new DNSError('unknown port', name, 'ENOTFOUND', true);
    port = p;
  }
  if (port < 0 || port > 65535) throw new AddrError('invalid port', service);
  return port;
}

/** A resolved listen address: Go's *TCPAddr. `ip` is '' for the wildcard. */
export interface TCPAddrParts {
  ip: string;
  zone: string;
  port: number;
}

/**
 * Formats a TCPAddr as Go's TCPAddr.String() does: `[::1%lo]:80`, `:0`,
 * `[::102:304]:80`; the IP in Go's spelling whatever text it came in.
 */
export function formatTCPAddr(a: TCPAddrParts): string {
  const ip = ipString(a.ip);
  return joinHostPort(a.zone !== '' ? `${ip}%${a.zone}` : ip, a.port);
}

/**
 * What Go's *TCPAddr and *UDPAddr share: an IP, a port and a zone, and
 * String() in the form formatTCPAddr gives. TCPAddr and UDPAddr add their
 * network.
 */
export abstract class IPPortAddr implements TCPAddrParts {
  abstract readonly network: string;
  /** The numeric IP address, '' for none. */
  readonly ip: string;
  readonly port: number;
  /** IPv6 zone (interface), or ''. */
  readonly zone: string;
  constructor(ip: string, port: number, zone = '') {
    this.ip = ip;
    this.port = port;
    this.zone = zone;
  }
  toString(): string {
    return formatTCPAddr(this);
  }
}

/** The name resolver, injectable for tests. */
export type Lookup = (host: string) => Promise<Array<{ address: string; family: number }>>;

const defaultLookup: Lookup = (host) => dns.promises.lookup(host, { all: true, verbatim: true });

function dnsError(host: string, e: unknown): DNSError {
  const code = (e as { code?: string }).code ?? 'EAI_FAIL';
  if (code === 'ENOTFOUND' || code === 'ENODATA') return new DNSError('no such host', host, code, true);
  if (code === 'EAI_AGAIN') return new DNSError('server misbehaving', host, code, false);
  return new DNSError((e as Error).message, host, code, false);
}

/**
 * Rejects with AbortError when signal aborts first; settles with p otherwise.
 * p is always handled: its handlers are attached before anything that can
 * throw, so a lookup that loses to the abort (or fails after it) never
 * surfaces as an unhandled rejection, which would end the process.
 */
export function raceAbort<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return p;
  return new Promise<T>((resolve, reject) => {
    let listening = false;
    const onAbort = () => reject(new AbortError(signal));
    // The handlers must not throw either: the promise p.then returns would
    // reject with nobody to handle it.
    const done = () => {
      if (listening) signal.removeEventListener('abort', onAbort);
    };
    p.then(
      (v) => {
        done();
        resolve(v);
      },
      (e) => {
        done();
        reject(e);
      },
    );
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    listening = true;
  });
}

/**
 * Go's resolveAddrList for op "listen" followed by Listen's choice of
 * `addrs.first(isIPv4)`: validates the network, splits and resolves the
 * address, filters by the network's family and returns the address to bind.
 */
export async function resolveListenAddr(
  network: string,
  address: string,
  signal?: AbortSignal,
  lookup: Lookup = defaultLookup,
): Promise<TCPAddrParts> {
  // udp networks resolve as in Go, so that Listen can then refuse them
  // with Go's "unexpected address type".
  if (!/^(tcp|udp)[46]?$/.test(network)) throw new UnknownNetworkError(network);
  let host = '';
  let port = 0;
  if (address !== '') {
    let p: string;
    [host, p] = splitHostPort(address);
    port = lookupPort(network, p);
  }
  if (host === '') return { ip: '', zone: '', port };
  let ips: Array<{ ip: string; zone: string }>;
  const literal = parseLiteral(host);
  if (literal !== undefined) {
    ips = [literal];
  } else {
    // getaddrinfo takes inet_aton's short forms ("1.2.3" is 1.2.0.3, "127.1"
    // is 127.0.0.1); Go treats them as names that do not resolve.
    if (/^(0x[0-9a-f]*|\d+)(\.(0x[0-9a-f]*|\d+))*\.?$/i.test(host)) {
      throw new DNSError('no such host', host, 'ENOTFOUND', true);
    }
    // An IPv6 literal with an empty zone ("::1%"), refused by netip, goes to
    // getaddrinfo(3) in Go (cgo), which takes it for IPv6 with a bad scope:
    // under tcp4/udp4's AF_INET hint EAI_ADDRFAMILY, else no such host.
    if (host.endsWith('%') && net.isIPv6(host.slice(0, -1))) {
      if (network.endsWith('4'))
        throw new DNSError('Address family for hostname not supported', host, 'EAI_ADDRFAMILY', false);
      throw new DNSError('no such host', host, 'ENOTFOUND', true);
    }
    let found: Awaited<ReturnType<Lookup>>;
    try {
      found = await raceAbort(lookup(host), signal);
    } catch (e) {
      if (e instanceof AbortError) throw e;
      throw dnsError(host, e);
    }
    // In Go's spelling, as a literal would be: a hosts file may say ::1.2.3.4.
    ips = found.map((a) => ({ ip: canonicalIPv6(a.address), zone: '' }));
    if (ips.length === 0) throw new DNSError('no such host', host, 'ENOTFOUND', true);
  }
  // Go issue 18806: a host that resolves to "::" alone also gets 0.0.0.0.
  if (ips.length === 1 && isUnspecified(ips[0].ip) && ipFamily(ips[0].ip) === 6) {
    ips.push({ ip: '0.0.0.0', zone: '' });
  }
  const last = network[network.length - 1];
  const filtered = ips.filter((a) =>
    last === '4' ? ipFamily(a.ip) === 4 : last === '6' ? ipFamily(a.ip) === 6 : true,
  );
  if (filtered.length === 0) throw new AddrError('no suitable address found', host);
  const first = filtered.find((a) => ipFamily(a.ip) === 4) ?? filtered[0];
  return { ip: first.ip, zone: first.zone, port };
}

/**
 * Go's favoriteAddrFamily in listen mode: tcp4 (udp4) is AF_INET; tcp6
 * (udp6) is AF_INET6 with IPV6_V6ONLY; plain tcp or udp on a wildcard address is one dual-stack
 * AF_INET6 socket (IPV6_V6ONLY=0) where the OS maps IPv4 into IPv6, else the
 * address's own family.
 */
export function favoriteAddrFamily(
  network: Network | 'udp' | 'udp4' | 'udp6',
  laddr: TCPAddrParts,
  supportsIPv4map: boolean = true,
): { family: 4 | 6; v6only: boolean } {
  if (network.endsWith('4')) return { family: 4, v6only: false };
  if (network.endsWith('6')) return { family: 6, v6only: true };
  if (isUnspecified(laddr.ip)) {
    if (supportsIPv4map) return { family: 6, v6only: false };
    return { family: laddr.ip === '' ? 4 : ipFamily(laddr.ip), v6only: false };
  }
  return { family: ipFamily(laddr.ip), v6only: false };
}

/**
 * Go's ipToSockaddr: the numeric address to bind on a socket of `family`.
 * On AF_INET6, 0.0.0.0 becomes :: and other IPv4 addresses their
 * IPv4-mapped form; the wildcard is :: or 0.0.0.0.
 */
export function sockaddrIP(family: 4 | 6, ip: string): string {
  if (family === 4) return ip === '' ? '0.0.0.0' : canonicalIP(ip);
  if (ip === '' || canonicalIP(ip) === '0.0.0.0') return '::';
  if (net.isIPv4(ip)) return `::ffff:${ip}`;
  return ip;
}
