// IP literals as Go reads and prints them (net/ip.go, Go 1.19): parseIPZone
// for listen hosts and IP.String() for every address text this package
// produces (Control's address, TCPAddr.toString(), error texts).
//
// Inside the package an IPv6 address is kept as Go prints it, except that an
// IPv4-mapped one keeps its `::ffff:a.b.c.d` spelling, which ipFamily,
// canonicalIP and isUnspecified read; printing makes it `a.b.c.d`.
import * as net from 'node:net';

/** An address's family as Go sees it: IPv4-mapped IPv6 counts as IPv4. */
export function ipFamily(ip: string): 4 | 6 {
  return net.isIPv4(ip) || /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(ip) ? 4 : 6;
}

/** Go's IP.String() for a literal: IPv4-mapped addresses print as IPv4. */
export function canonicalIP(ip: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return m !== null ? m[1] : ip;
}

// Go's IP.IsUnspecified: IPv4-mapped ::ffff:0.0.0.0 counts, since
// IP.Equal compares it as 0.0.0.0.
export function isUnspecified(ip: string): boolean {
  return ip === '' || canonicalIP(ip) === '0.0.0.0' || (net.isIPv6(ip) && /^[0:]+$/.test(ip));
}

// The eight 16-bit words of a valid IPv6 literal (no zone), a trailing
// dotted quad included: "::1.2.3.4" is 0,0,0,0,0,0,0x102,0x304.
function words(ip: string): number[] {
  let s = ip;
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (quad !== null) {
    const [a, b, c, d] = quad.slice(1).map(Number);
    s = s.slice(0, quad.index) + ((a << 8) | b).toString(16) + ':' + ((c << 8) | d).toString(16);
  }
  const parse = (h: string) => (h === '' ? [] : h.split(':').map((x) => parseInt(x, 16)));
  const halves = s.split('::');
  const head = parse(halves[0]);
  if (halves.length === 1) return head;
  const tail = parse(halves[1]);
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}

/**
 * One spelling per IPv6 address, Go's IP.String(): lower-case hex, the
 * first longest run of two or more zero words as "::", and a dotted quad
 * only for IPv4-mapped addresses. libuv's and glibc's inet_ntop print the
 * IPv4-compatible ones dotted too (`::1.2.3.4`, as net.SocketAddress and
 * getsockname give it); Go prints `::102:304`. Text that is not an IPv6
 * literal is returned as is.
 */
export function canonicalIPv6(ip: string): string {
  if (ip.includes('%') || !net.isIPv6(ip)) return ip;
  const w = words(ip);
  if (w.slice(0, 5).every((x) => x === 0) && w[5] === 0xffff) {
    return `::ffff:${w[6] >> 8}.${w[6] & 255}.${w[7] >> 8}.${w[7] & 255}`;
  }
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j > i ? j : i + 1;
  }
  if (bestLen < 2) best = -1; // a lone zero word stays "0"
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (i === best) {
      out += '::';
      i += bestLen;
      if (i >= 8) break;
    } else if (i > 0) {
      out += ':';
    }
    out += w[i].toString(16);
  }
  return out;
}

/** Go's IP.String() for any numeric address text: IPv4, IPv6, mapped. */
export function ipString(ip: string): string {
  return ip === '' ? '' : canonicalIP(canonicalIPv6(ip));
}

/**
 * Go's literal-host rule (netip.ParseAddr, Go 1.22+): undefined when host
 * is a name. Only an IPv6 literal takes a zone, everything after its first
 * '%', which must not be empty: "[::1%]" and "127.0.0.1%lo" are names to Go
 * (a lookup error), "fe80::1%lo%lo" is fe80::1 in zone "lo%lo" (no such
 * interface: bind says EINVAL). Go 1.19 took the last '%' and an empty zone.
 */
export function parseLiteral(host: string): { ip: string; zone: string } | undefined {
  if (net.isIPv4(host)) return { ip: host, zone: '' };
  const pct = host.indexOf('%');
  const ip = pct >= 0 ? host.slice(0, pct) : host;
  const zone = pct >= 0 ? host.slice(pct + 1) : '';
  if (pct >= 0 && zone === '') return undefined;
  if (net.isIPv6(ip)) return { ip: canonicalIPv6(ip), zone };
  return undefined;
}
