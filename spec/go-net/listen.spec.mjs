// Go's own listener tests (Go 1.27, src/net/listen_test.go), ported: each
// describe() is named after the Go test it ports and checks what that test
// checks, through this package's listen() and listenPacket(). Written from
// reading Go's tests, not copied. Go's helpers have small equivalents here
// (familyOf for fd.family, localAddress for newLocalListener).
import { expect } from '../expect.mjs';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ListenConfig,
  listen,
  listenPacket,
  syscallConn,
  joinHostPort,
  constants,
  getsockopt,
  setsockopt,
} from 'listenconfig';
import { hasIPv6, hasIPv6Loopback, skip } from '../helpers.mjs';

// Go's fd.family: the socket's own domain (SO_DOMAIN where the OS has it),
// else what its address says.
function familyOf(x) {
  const raw = typeof x.syscallConn === 'function' ? x.syscallConn() : syscallConn(x);
  if (constants.SO_DOMAIN !== undefined) {
    const d = raw.control((fd) => getsockopt(fd, constants.SOL_SOCKET, constants.SO_DOMAIN));
    return d === constants.AF_INET6 ? 6 : d === constants.AF_INET ? 4 : d;
  }
  const ip = typeof x.addr === 'function' ? x.addr().ip : x.address().address;
  return ip.includes(':') ? 6 : 4;
}

const portOf = (x) => (typeof x.addr === 'function' ? x.addr().port : x.address().port);
// A listener or a UnixConn closes with a promise, a dgram.Socket with a callback.
const closeAny = (x) =>
  typeof x.addr === 'function' || typeof x.localAddr === 'function' ? x.close() : new Promise((r) => x.close(r));

// Go's TCPAddr.isWildcard and family() for the address a test listened on.
const isWildcard = (host) => host === '' || host === '0.0.0.0' || host === '::' || host === '::ffff:0.0.0.0';
const hostFamily = (host) => (host.includes(':') && !host.startsWith('::ffff:') ? 6 : 4);

// Go's checkFirstListener: a wildcard 'tcp' (or 'udp') listener is one
// AF_INET6 socket (IPv4-mapped, Linux, macOS and Windows all map), any other
// the family of its address; tcp4/udp4 AF_INET, tcp6/udp6 AF_INET6.
const wantFamily = (network, host) =>
  network.endsWith('4') ? 4 : network.endsWith('6') ? 6 : isWildcard(host) ? 6 : hostFamily(host);
function checkFirstListener(network, host, ln) {
  expect(familyOf(ln), `${network} ${JSON.stringify(host)}: the socket's family`).to.equal(wantFamily(network, host));
}

// Go's supportsIPv6 (a listen on [::1]:0): Go's testableNetwork and
// testableListenArgs skip tcp6/udp6 and IPv6 addresses without it. The
// ports skip a row that uses ::1 when the loopback lacks it, and a row that
// makes any AF_INET6 socket when the machine has no IPv6 at all. Asked once.
const ipv6 = Promise.all([hasIPv6(), hasIPv6Loopback()]);
async function skipWithoutIPv6(ctx, ...rows) {
  const [any, loopback] = await ipv6;
  if (!any && rows.some(([network, host]) => wantFamily(network, host) === 6))
    skip(ctx, 'this machine makes no AF_INET6 sockets, and the row needs one (Go skips it too)');
  if (!loopback && rows.some(([, host]) => host === '::1'))
    skip(ctx, 'this machine has no IPv6 loopback (::1), and the row listens on it (Go skips it too)');
}

async function settle(p) {
  try {
    return { value: await p };
  } catch (err) {
    return { err };
  }
}

const listenerTests = (proto) => [
  [proto, ''],
  [proto, '0.0.0.0'],
  [proto, '::ffff:0.0.0.0'],
  [proto, '::'],
  [proto, '127.0.0.1'],
  [proto, '::ffff:127.0.0.1'],
  [proto, '::1'],
  [`${proto}4`, ''],
  [`${proto}4`, '0.0.0.0'],
  [`${proto}4`, '::ffff:0.0.0.0'],
  [`${proto}4`, '127.0.0.1'],
  [`${proto}4`, '::ffff:127.0.0.1'],
  [`${proto}6`, ''],
  [`${proto}6`, '::'],
  [`${proto}6`, '::1'],
];

for (const [name, proto, open] of [
  ['TestTCPListener', 'tcp', listen],
  ['TestUDPListener', 'udp', listenPacket],
]) {
  describe(name, function () {
    before(function () {
      if (proto === 'udp' && process.platform === 'win32')
        skip(this, 'listenPacket is not supported on Windows (docs/guide.md, "UDP")');
    });
    // Single and double listen on the same family, address and port: the
    // second must fail.
    for (const [network, host] of listenerTests(proto)) {
      it(`${network} ${JSON.stringify(host)}: the first listens with Go's family, the second on its port fails`, async function () {
        await skipWithoutIPv6(this, [network, host]);
        const ln1 = await open(network, joinHostPort(host, 0));
        try {
          checkFirstListener(network, host, ln1);
          const second = await settle(open(network, joinHostPort(host, portOf(ln1))));
          if (second.value !== undefined) await closeAny(second.value);
          expect(second.err, `${network} ${host}: the second listen should fail`).to.be.instanceOf(Error);
          expect(second.err.message).to.match(/bind: address already in use$/);
        } finally {
          await closeAny(ln1);
        }
      });
    }
  });
}

// Go's dualStack{TCP,UDP}ListenerTests: the first listener on one family
// and address, a second on another with the same port; EADDRINUSE or not.
const dualStackTests = (p) => [
  [p, '', p, '', true],
  [p, '', p, '0.0.0.0', true],
  [p, '0.0.0.0', p, '', true],
  [p, '', p, '::', true],
  [p, '::', p, '', true],
  [p, '0.0.0.0', p, '::', true],
  [p, '::', p, '0.0.0.0', true],
  [p, '::ffff:0.0.0.0', p, '::', true],
  [p, '::', p, '::ffff:0.0.0.0', true],
  [`${p}4`, '', `${p}6`, '', false],
  [`${p}6`, '', `${p}4`, '', false],
  [`${p}4`, '0.0.0.0', `${p}6`, '::', false],
  [`${p}6`, '::', `${p}4`, '0.0.0.0', false],
  [p, '127.0.0.1', p, '::1', false],
  [p, '::1', p, '127.0.0.1', false],
  [`${p}4`, '127.0.0.1', `${p}6`, '::1', false],
  [`${p}6`, '::1', `${p}4`, '127.0.0.1', false],
];

for (const [name, proto, open] of [
  ['TestDualStackTCPListener', 'tcp', listen],
  ['TestDualStackUDPListener', 'udp', listenPacket],
]) {
  describe(name, function () {
    before(function () {
      if (proto === 'udp' && process.platform === 'win32')
        skip(this, 'listenPacket is not supported on Windows (docs/guide.md, "UDP")');
    });
    for (const [n1, a1, n2, a2, inUse] of dualStackTests(proto)) {
      it(`${n1} ${JSON.stringify(a1)} then ${n2} ${JSON.stringify(a2)} on its port: ${inUse ? 'EADDRINUSE' : 'both listen'}`, async function () {
        await skipWithoutIPv6(this, [n1, a1], [n2, a2]);
        // As Go: a port free on both families (a dual-stack wildcard
        // listener's), tried up to five times, since another process may
        // take it in between.
        let last;
        for (let i = 0; i < 5; i++) {
          const probe = await open(proto, ':0');
          const port = portOf(probe);
          await closeAny(probe);
          const first = await settle(open(n1, joinHostPort(a1, port)));
          if (first.err !== undefined) {
            last = first.err;
            continue;
          }
          const ln1 = first.value;
          try {
            checkFirstListener(n1, a1, ln1);
            const second = await settle(open(n2, joinHostPort(a2, portOf(ln1))));
            if (second.value !== undefined) await closeAny(second.value);
            if (inUse) {
              expect(second.err?.message).to.match(/bind: address already in use$/);
            } else {
              expect(second.err, 'the second listen').to.equal(undefined);
            }
            return;
          } finally {
            await closeAny(ln1);
          }
        }
        throw last;
      });
    }
  });
}

describe('TestWildWildcardListener', function () {
  it('listen("tcp", "") and listenPacket("udp", "") listen (and throw nothing unexpected)', async function () {
    const ln = await listen('tcp', '');
    await ln.close();
    if (process.platform !== 'win32') {
      const ds = await listenPacket('udp', '');
      await closeAny(ds);
    }
  });
});

// /proc/net/igmp lists each interface's IPv4 groups as hex in host order.
function igmpGroups() {
  const groups = new Set();
  for (const line of readFileSync('/proc/net/igmp', 'utf8').split('\n')) {
    const m = /^\s+([0-9A-F]{8})\s/.exec(line);
    if (m === null) continue;
    const v = Number.parseInt(m[1], 16);
    groups.add([v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24].join('.'));
  }
  return groups;
}

describe('TestIPv4MulticastListener', function () {
  // Go's ListenMulticastUDP(net, loopback, 224.0.0.254:12345) is
  // listenPacket on the group's address (the wildcard on its port, with
  // SO_REUSEADDR) and a join on the interface; twice, both must listen.
  for (const network of ['udp', 'udp4']) {
    it(`${network} 224.0.0.254:12345 twice, joined on the loopback: both listen, the group is in the kernel's table`, async function () {
      if (process.platform !== 'linux')
        skip(this, `the multicast table is read from /proc/net/igmp (Linux); this is ${process.platform}`);
      const group = '224.0.0.254';
      const cs = [];
      try {
        for (let i = 0; i < 2; i++) {
          const c = await listenPacket(network, `${group}:12345`);
          cs.push(c);
          try {
            c.addMembership(group, '127.0.0.1');
          } catch (e) {
            skip(this, `joining ${group} on the loopback failed here (${e.code ?? e.message})`);
          }
          expect(igmpGroups().has(group), `${group} in /proc/net/igmp`).to.equal(true);
          expect(c.address().port).to.equal(12345);
        }
      } finally {
        for (const c of cs) await closeAny(c);
      }
    });
  }
});

// /proc/net/igmp6 lists each interface's IPv6 groups as 32 hex digits.
function igmp6Groups() {
  const groups = new Set();
  for (const line of readFileSync('/proc/net/igmp6', 'utf8').split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length >= 3 && /^[0-9a-f]{32}$/.test(f[2])) groups.add(f[2]);
  }
  return groups;
}

// An IPv6 address as 32 hex digits, /proc/net/igmp6's spelling.
function hex32(ip) {
  const [head, tail = ''] = ip.split('::');
  const words = (s) => (s === '' ? [] : s.split(':'));
  const h = words(head);
  const t = words(tail);
  const all = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return all.map((w) => w.padStart(4, '0')).join('');
}

describe('TestIPv6MulticastListener', function () {
  // Go's ipv6MulticastListenerTests (RFC 4727 groups, every scope), each
  // listened on twice and joined on the loopback; Go needs root for it.
  const groups = ['ff01::114', 'ff02::114', 'ff04::114', 'ff05::114', 'ff08::114', 'ff0e::114'];
  for (const network of ['udp', 'udp6'])
    for (const group of groups) {
      it(`${network} [${group}]:12345 twice, joined on the loopback: both listen, the group is in the kernel's table`, async function () {
        if (process.platform !== 'linux')
          skip(this, `the multicast table is read from /proc/net/igmp6 (Linux); this is ${process.platform}`);
        if (process.getuid?.() !== 0) skip(this, 'Go runs this test as root only');
        await skipWithoutIPv6(this, [network, group]);
        const cs = [];
        try {
          for (let i = 0; i < 2; i++) {
            const c = await listenPacket(network, `[${group}]:12345`);
            cs.push(c);
            try {
              c.addMembership(group, '::%lo');
            } catch (e) {
              skip(this, `joining ${group} on the loopback failed here (${e.code ?? e.message})`);
            }
            expect(igmp6Groups().has(hex32(group)), `${group} in /proc/net/igmp6`).to.equal(true);
            expect(c.address().port).to.equal(12345);
          }
        } finally {
          for (const c of cs) await closeAny(c);
        }
      });
    }
});

describe('TestClosingListener', function () {
  it('Go issue 21856: a closed listener with an accept pending frees its address for a new listen at once', async function () {
    const ln = await listen('tcp', '127.0.0.1:0');
    const addr = String(ln.addr());
    const accepting = ln.accept().catch(() => undefined);
    await ln.close();
    await accepting;
    const ln2 = await listen('tcp', addr);
    await ln2.close();
  });
});

// Go's controlOnConnSetup (rawconn_unix_test.go): a socket option set
// through the RawConn Control is given, per network; the ambiguous 'tcp'
// and 'udp' must never reach Control.
function controlOnConnSetup(network, _address, raw) {
  if (network === 'tcp' || network === 'udp') throw new Error(`ambiguous network: ${network}`);
  raw.control((fd) => {
    if (network.startsWith('unix')) getsockopt(fd, constants.SOL_SOCKET, constants.SO_ERROR);
    else if (network.endsWith('4')) setsockopt(fd, constants.IPPROTO_IP, constants.IP_TTL, 1);
    else if (network.endsWith('6')) setsockopt(fd, constants.IPPROTO_IPV6, constants.IPV6_UNICAST_HOPS, 1);
    else throw new Error(`unknown network: ${network}`);
  });
}

// Go's newLocalListener address for each network.
function localAddress(network, dir) {
  if (network === 'tcp' || network === 'udp') return '127.0.0.1:0';
  if (network.endsWith('4')) return '127.0.0.1:0';
  if (network.endsWith('6')) return '[::1]:0';
  return join(dir, `${network}.sock`);
}

describe('TestListenConfigControl', function () {
  let dir;
  before(function () {
    dir = mkdtempSync(join(tmpdir(), 'lc-gonet-'));
  });
  after(function () {
    rmSync(dir, { recursive: true, force: true });
  });
  const lc = new ListenConfig({ control: controlOnConnSetup });

  describe('StreamListen', function () {
    for (const network of ['tcp', 'tcp4', 'tcp6', 'unix', 'unixpacket']) {
      it(network, async function () {
        if (network.startsWith('unix') && process.platform === 'win32')
          skip(this, 'unix listeners are not supported on Windows (docs/guide.md, "Unix sockets")');
        if (network === 'tcp6') await skipWithoutIPv6(this, [network, '::1']);
        const ln = await lc.listen(network, localAddress(network, dir));
        await ln.close();
      });
    }
  });

  describe('PacketListen', function () {
    for (const network of ['udp', 'udp4', 'udp6', 'unixgram']) {
      it(network, async function () {
        if (process.platform === 'win32') skip(this, 'listenPacket is not supported on Windows (docs/guide.md, "UDP")');
        if (network === 'udp6') await skipWithoutIPv6(this, [network, '::1']);
        const c = await lc.listenPacket(network, localAddress(network, dir));
        await closeAny(c);
      });
    }
  });
});
