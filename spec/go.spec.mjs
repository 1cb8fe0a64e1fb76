// Go as the reference: the same Listen calls through Go's net.ListenConfig
// (spec/go/reference.go) and through this package, compared field by field:
// Control's arguments, the bound address, IPV6_V6ONLY and every error text;
// then Multipath TCP (spec/go/mptcp/reference.go). Both programs are built
// in the module spec/go, whose go.mod names the reference release (Go
// 1.27): Go takes its GODEBUG defaults from that line, MPTCP-by-default
// among them, so they run as a user's program built with that Go would.
import { expect } from './expect.mjs';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isIP, isIPv6 } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
import { oursMPTCP } from './fixtures/mptcp-ours.mjs';
import {
  goEnv,
  goOrSkip,
  hasIPv6,
  hasIPv6Loopback,
  inNetns,
  netnsSkipReason,
  resolverSkipReason,
  runGoReference,
} from './helpers.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const cases = JSON.parse(readFileSync(here('./go/cases.json'), 'utf8'));

// Unix cases name their paths with placeholders, filled in for both Go and
// this package and put back in what each reports: $DIR a fresh directory,
// $ID a name unique to this run (abstract names are machine-wide), $LONG a
// file name that makes the path exactly sun_path's size (108 bytes on
// Linux, 104 on macOS and the BSDs: too long by the NUL), $FIT one shorter.
const dir = mkdtempSync(join(tmpdir(), 'lc-go-'));
const id = `${process.pid}-${Date.now().toString(36)}`;
const sunPath = process.platform === 'linux' ? 108 : 104;
const long = 'l'.repeat(sunPath - dir.length - 1);
const fit = 'f'.repeat(sunPath - dir.length - 2);
// $ABS108 an abstract name of exactly sun_path's 108 bytes (it has no NUL
// to fit, so Go takes it), $ABS109 one byte more, $NUL108 the 108-byte one
// spelt with a leading NUL instead of '@'.
const abstract = (n) => `@lc-${id}-`.padEnd(n, 'a');
const fill = (s) =>
  s
    .replaceAll('$DIR', dir)
    .replaceAll('$ID', id)
    .replaceAll('$LONG', long)
    .replaceAll('$FIT', fit)
    .replaceAll('$NUL108', `\0${abstract(108).slice(1)}`)
    .replaceAll('$ABS108', abstract(108))
    .replaceAll('$ABS109', abstract(109));
// Linux autobinds an unnamed socket to @ and five hex digits.
const unfill = (s) =>
  s === null || s === undefined
    ? s
    : s
        .replaceAll(abstract(109), '$ABS109')
        .replaceAll(abstract(108), '$ABS108')
        .replaceAll(dir, '$DIR')
        .replaceAll(id, '$ID')
        .replaceAll(long, '$LONG')
        .replaceAll(fit, '$FIT')
        .replace(/(^| )@[0-9a-f]{5}(:|$)/, '$1@AUTOBIND$2');
const isUnix = (c) => c.network.startsWith('unix');

// Whether a Listen address reaches the resolver: its host is neither empty,
// nor localhost (/etc/hosts), nor an IP literal (an IPv6 one may carry a
// non-empty zone), and the address gets past SplitHostPort. Such cases
// (`%`, nosuchhost.invalid, 127.0.0.1%lo, [::1] as a host) answer with
// the resolver's text, which depends on a reachable DNS server.
function asksDNS(network, address) {
  if (network.startsWith('unix') || !address.includes(':')) return false;
  let host;
  if (address.startsWith('[')) {
    const end = address.indexOf(']');
    if (end < 0 || address[end + 1] !== ':') return false;
    host = address.slice(1, end);
  } else {
    host = address.slice(0, address.lastIndexOf(':'));
    if (host.includes(':')) return false; // "too many colons"
  }
  if (host === '' || host.toLowerCase() === 'localhost' || isIP(host)) return false;
  const zone = host.indexOf('%');
  return !(zone > 0 && isIPv6(host.slice(0, zone)) && zone < host.length - 1);
}

// Go names the DNS server it asked ("lookup x on 10.0.0.53:53: no such
// host"); Node's resolver does not say which server answered.
const withoutServer = (s) => (s === null ? s : s.replace(/ on [^ ]+:\d+:/, ':'));

// Masks a kernel-chosen port as "PORT", as reference.go does.
function masker(requested, actual) {
  return (s) => (s === null || requested !== 0 ? s : s.split(`:${actual}`).join(':PORT'));
}

function requestedPort(address) {
  const i = address.lastIndexOf(':');
  const p = i < 0 ? '' : address.slice(i + 1);
  return p === '' || /^\+?0+$/.test(p) ? 0 : -1;
}

// ListenPacket: the dgram.Socket's address in Go's format, its family, and
// IPV6_V6ONLY read from the socket through syscallConn().
async function oursPacket(c) {
  const r = {
    control: [],
    addr: null,
    family: null,
    v6only: null,
    error: null,
    acceptClosedError: null,
    closeTwiceError: null,
  };
  let holder;
  let address = c.address;
  let mask = (s) => s;
  if (c.inUse) {
    holder = await listenPacket(c.network, address);
    const { port } = holder.address();
    address = joinHostPort(holder.address().address, port);
    mask = (s) => (s === null ? s : s.split(`:${port}`).join(':PORT'));
  }
  const lc = new ListenConfig({
    control(network, addr) {
      r.control.push({ network, address: mask(addr) });
      if (c.controlError) throw new Error(c.controlError);
    },
  });
  try {
    const ds = await lc.listenPacket(c.network, address);
    const a = ds.address();
    r.addr = masker(requestedPort(c.address), a.port)(joinHostPort(a.address, a.port));
    const raw = syscallConn(ds);
    const v6 = a.family === 'IPv6' || a.family === 6;
    r.family = v6 ? '6' : '4';
    if (v6) r.v6only = raw.control((fd) => getsockopt(fd, constants.IPPROTO_IPV6, constants.IPV6_V6ONLY, 'bool'));
    await new Promise((resolve) => ds.close(resolve));
  } catch (e) {
    r.error = mask(e.message);
  } finally {
    holder?.close();
  }
  return r;
}

async function ours(c) {
  if (c.packet) return oursPacket(c);
  const r = {
    control: [],
    addr: null,
    family: null,
    v6only: null,
    error: null,
    acceptClosedError: null,
    closeTwiceError: null,
  };
  let holder;
  let address = fill(c.address);
  if (c.stale) {
    const first = await listen(c.network, address);
    first.setUnlinkOnClose(false);
    await first.close();
  }
  let mask = (s) => s;
  if (c.inUse) {
    holder = await listen(c.network, address);
    address = String(holder.addr()); // as reference.go: ln.Addr().String()
    const port = holder.addr().port;
    if (port !== undefined) mask = (s) => (s === null ? s : s.split(`:${port}`).join(':PORT'));
  }
  const lc = new ListenConfig({
    control(network, addr, rawConn) {
      r.control.push({ network, address: mask(addr) });
      if (c.freebind) {
        const [level, opt] =
          network === 'tcp6'
            ? [constants.IPPROTO_IPV6, constants.IPV6_FREEBIND]
            : [constants.IPPROTO_IP, constants.IP_FREEBIND];
        rawConn.control((fd) => setsockopt(fd, level, opt, 1));
      }
      if (c.controlError) throw new Error(c.controlError);
    },
  });
  try {
    const ln = await lc.listen(c.network, address);
    const m = isUnix(c) ? (s) => s : masker(requestedPort(c.address), ln.addr().port);
    r.addr = m(String(ln.addr()));
    r.family = isUnix(c) ? 'unix' : ln.addr().ip.includes(':') ? '6' : '4';
    if (r.family === '6') {
      r.v6only = ln
        .syscallConn()
        .control((fd) => getsockopt(fd, constants.IPPROTO_IPV6, constants.IPV6_V6ONLY, 'bool'));
    }
    if (c.keepFile) ln.setUnlinkOnClose(false);
    await ln.close();
    const path = String(ln.addr());
    if (isUnix(c) && path !== '' && path[0] !== '@') r.fileAfterClose = existsSync(path);
    r.acceptClosedError = m(
      await ln.accept().then(
        () => null,
        (e) => e.message,
      ),
    );
    r.closeTwiceError = m(
      await ln.close().then(
        () => null,
        (e) => e.message,
      ),
    );
  } catch (e) {
    r.error = mask(e.message);
  } finally {
    await holder?.close();
  }
  return r;
}

describe('Go reference: net.ListenConfig.Listen, case by case', function () {
  let reference;

  before(function () {
    this.timeout(180000);
    reference = runGoReference(
      this,
      cases.map((c) => ({ ...c, address: fill(c.address) })),
    );
    // Go's run leaves the files of stale and keepFile cases behind.
    rmSync(dir, { recursive: true, force: true });
  });

  after(function () {
    rmSync(dir, { recursive: true, force: true });
  });

  cases.forEach((c, i) => {
    const flags =
      (c.packet ? ' (ListenPacket)' : '') +
      (c.controlError
        ? ' (Control fails)'
        : c.inUse
          ? ' (address in use)'
          : c.freebind
            ? ' (freebind)'
            : c.stale
              ? ' (stale socket file)'
              : c.keepFile
                ? ' (setUnlinkOnClose(false))'
                : '');
    it(`${c.network} ${JSON.stringify(c.address)}${flags}`, async function () {
      // IP_FREEBIND and IPV6_FREEBIND are Linux's.
      if (c.freebind && process.platform !== 'linux') {
        console.log("    skipped: IP_FREEBIND is Linux's");
        this.skip();
      }
      if (c.linuxOnly && process.platform !== 'linux') {
        console.log("    skipped: abstract unix names are Linux's");
        this.skip();
      }
      if (asksDNS(c.network, c.address)) {
        const why = await resolverSkipReason();
        if (why !== undefined) {
          console.log(`    skipped: the host asks the resolver, and ${why}`);
          this.skip();
        }
      }
      if (c.packet && process.platform === 'win32') {
        console.log('    skipped: listenPacket is not supported on Windows (docs/guide.md, "UDP")');
        this.skip();
      }
      if (isUnix(c) && process.platform === 'win32') {
        console.log('    skipped: unix listeners are not supported on Windows (docs/guide.md, "Unix sockets")');
        this.skip();
      }
      if (isUnix(c)) {
        rmSync(dir, { recursive: true, force: true });
        mkdirSync(dir);
      }
      const go = reference[i];
      const got = await ours(c);
      // go119Error records Go 1.19's different answer (docs/go-compat.md);
      // the package answers as the reference does.
      const want = {
        control: go.control.map((x) => ({ ...x, address: unfill(x.address) })),
        addr: unfill(go.addr),
        family: go.family,
        v6only: go.v6only,
        error: unfill(withoutServer(go.error)),
        acceptClosedError: unfill(go.acceptClosedError),
        closeTwiceError: unfill(go.closeTwiceError),
      };
      if (go.fileAfterClose !== undefined) want.fileAfterClose = go.fileAfterClose;
      const mine = {
        ...got,
        control: got.control.map((x) => ({ ...x, address: unfill(x.address) })),
        addr: unfill(got.addr),
        error: unfill(got.error),
        acceptClosedError: unfill(got.acceptClosedError),
        closeTwiceError: unfill(got.closeTwiceError),
      };
      expect(mine).to.deep.equal(want);
    });
  });
});

// A generated table, every network x host x port of the lists below
// (1,938 Listen and ListenPacket calls), for the rules' corners that
// cases.json does not name one by one: white space and signs in ports,
// service names in any case, zones, mapped and short IPv4 forms. Compared
// per network: Control's calls, the address and the error text.
const genHosts = [
  '',
  '127.0.0.1',
  '::1',
  '0.0.0.0',
  '::',
  'localhost',
  'LOCALHOST',
  '::ffff:127.0.0.1',
  '::ffff:0.0.0.0',
  'fe80::1%lo',
  'ff02::1%lo',
  '224.0.0.1',
  '::1%',
  '::1%lo%lo',
  '::1%1',
  '127.1',
  '0',
  '%',
  '[::1]',
];
const genPorts = [
  '0',
  '',
  ' 0',
  '+0',
  '-0',
  '00',
  '\t0',
  '0 ',
  '65536',
  ' 65536',
  '99999',
  'http',
  'HTTP',
  ' http',
  'domain',
  'nosuch',
  '0x0',
];
const genNetworks = ['tcp', 'tcp4', 'tcp6', 'udp', 'udp4', 'udp6'];
const generated = genNetworks.flatMap((network) =>
  genHosts.flatMap((h) =>
    genPorts.map((p) => ({
      network,
      address: h.includes(':') && !h.startsWith('[') ? `[${h}]:${p}` : `${h}:${p}`,
      ...(network.startsWith('udp') ? { packet: true } : {}),
    })),
  ),
);

// One generated call through the package: Control's calls, the address
// (its port masked where Go's was kernel-chosen) and the error.
async function oursGenerated(c, goAddr) {
  const r = { control: [], addr: null, error: null };
  const lc = new ListenConfig({ control: (network, address) => void r.control.push({ network, address }) });
  let port;
  try {
    if (c.packet) {
      const ds = await lc.listenPacket(c.network, c.address);
      const a = ds.address();
      port = a.port;
      r.addr = joinHostPort(a.address, a.port);
      await new Promise((resolve) => ds.close(resolve));
    } else {
      const ln = await lc.listen(c.network, c.address);
      port = ln.addr().port;
      r.addr = String(ln.addr());
      await ln.close();
    }
  } catch (e) {
    r.error = e.message;
  }
  if (port !== undefined && goAddr?.endsWith(':PORT')) r.addr = r.addr.replace(new RegExp(`:${port}$`), ':PORT');
  return r;
}

describe('Go reference: a generated table of 1,938 calls', function () {
  let reference;
  before(function () {
    this.timeout(180000);
    reference = runGoReference(this, generated);
  });

  for (const network of genNetworks) {
    it(`${network}: ${genHosts.length} hosts x ${genPorts.length} ports agree with Go`, async function () {
      this.timeout(60000);
      if (network.startsWith('udp') && process.platform === 'win32') {
        console.log('    skipped: listenPacket is not supported on Windows (docs/guide.md, "UDP")');
        this.skip();
      }
      const differ = [];
      // Without a working resolver, the hosts that ask it are left out,
      // saying how many.
      const dnsDown = await resolverSkipReason();
      let left = 0;
      for (let i = 0; i < generated.length; i++) {
        const c = generated[i];
        if (c.network !== network) continue;
        if (dnsDown !== undefined && asksDNS(c.network, c.address)) {
          left++;
          continue;
        }
        const go = reference[i];
        const want = { control: go.control, addr: go.addr, error: withoutServer(go.error) };
        const got = await oursGenerated(c, go.addr);
        if (JSON.stringify(got) !== JSON.stringify(want))
          differ.push(`${JSON.stringify(c.address)}: Go ${JSON.stringify(want)}, ours ${JSON.stringify(got)}`);
      }
      if (left > 0) console.log(`    (${left} calls whose host asks the resolver left out: ${dnsDown})`);
      expect(differ, differ.slice(0, 10).join('\n')).to.deep.equal([]);
    });
  }
});

// Generated unix names (Linux): abstract names spelt with '@' and with
// NUL, of lengths around sun_path's 108 bytes, with NULs inside, and paths
// around it; each unique to this run (abstract names are machine-wide).
function generatedUnix(base) {
  const names = [];
  for (const p of ['@', '\0'])
    for (const n of [1, 2, 20, 107, 108, 109, 110]) names.push(`${p}${id}-`.padEnd(n, 'x').slice(0, n));
  for (const p of ['@', '\0']) names.push(`${p}${id}`.padEnd(108, '\0'), `${p}${id}\0tail`.padEnd(40, 'y'));
  for (const n of [100, 106, 107, 108, 109]) names.push(join(base, '').padEnd(n, 'p'));
  names.push(join(base, 'with\0nul'), join(base, '@at'), '@', '\0');
  return names.map((address) => ({ network: 'unix', address }));
}

describe('Go reference: generated unix names', function () {
  it('abstract names (@ and NUL, NULs inside, 1 to 110 bytes) and paths around sun_path: Control, the address and the error agree with Go', async function () {
    this.timeout(120000);
    if (process.platform !== 'linux') {
      console.log(`    skipped: abstract unix names are Linux's; this is ${process.platform}`);
      this.skip();
    }
    const base = mkdtempSync(join(tmpdir(), 'lc-go-unix-'));
    try {
      const unixCases = generatedUnix(base);
      const reference = runGoReference(this, unixCases, 110000);
      const differ = [];
      for (let i = 0; i < unixCases.length; i++) {
        const r = { control: [], addr: null, error: null };
        const lc = new ListenConfig({ control: (network, address) => void r.control.push({ network, address }) });
        try {
          const ln = await lc.listen('unix', unixCases[i].address);
          r.addr = String(ln.addr());
          await ln.close();
        } catch (e) {
          r.error = e.message;
        }
        const go = reference[i];
        const want = { control: go.control, addr: go.addr, error: go.error };
        if (JSON.stringify(r) !== JSON.stringify(want))
          differ.push(`${JSON.stringify(unixCases[i].address)}: Go ${JSON.stringify(want)}, ours ${JSON.stringify(r)}`);
      }
      expect(differ, differ.slice(0, 5).join('\n')).to.deep.equal([]);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});

const mptcpCases = JSON.parse(readFileSync(here('./go/mptcp/cases.json'), 'utf8'));
// The same cases with net.mptcp.enabled = 0, in a network namespace.
const mptcpOffCases = [
  { network: 'tcp', address: '127.0.0.1:0', clients: true },
  { network: 'tcp', address: ':0', clients: true },
  { network: 'tcp6', address: '[::1]:0', clients: true },
  { network: 'tcp', address: '127.0.0.1:0', controlError: 'boom' },
  // The default (no SetMultipathTCP: Go 1.24+'s MPTCP), where the kernel
  // refuses MPTCP: the fallback, and with Control failing, Control's calls.
  { network: 'tcp', address: '127.0.0.1:0', default: true, clients: true },
  { network: 'tcp', address: '127.0.0.1:0', default: true, controlError: 'boom' },
];

// A case that needs IPv6: one that listens on ::1 or has clients dial it
// (a tcp6 or dual-stack wildcard's loopback) needs the IPv6 loopback; a
// tcp6 one or an IPv6 address needs AF_INET6 sockets. Without them Go and
// the package fail such a case differently (Go's dial error against a
// connect timeout), so it is skipped, saying so. Asked once.
const ipv6 = Promise.all([hasIPv6(), hasIPv6Loopback()]);
const dialsIPv6 = (c) =>
  c.clients &&
  (c.network === 'tcp6' || (c.network === 'tcp' && (c.address.startsWith(':') || c.address.startsWith('[::]'))));
async function skipReasonIPv6(c) {
  const [any, loopback] = await ipv6;
  if (!any && (c.network === 'tcp6' || c.address.includes('::')))
    return 'this machine makes no AF_INET6 sockets, which the case needs';
  if (!loopback && (c.address.includes('::1') || dialsIPv6(c)))
    return 'this machine has no IPv6 loopback (::1), which the case listens on or dials';
  return undefined;
}

// Go's TCPListener has no MultipathTCP; reference.go reports the listening
// socket's SO_PROTOCOL, which ln.multipathTCP() must agree with. A closed
// connection is compared apart (the last test).
function wantFromGo(go) {
  return {
    ...go,
    multipathTCP: go.protocol === null ? null : go.protocol === 262,
    closed: go.closed === null ? null : false,
  };
}

describe('Go reference: Multipath TCP, case by case', function () {
  let bin;
  let reference;
  const work = mkdtempSync(join(tmpdir(), 'lc-go-mptcp-'));

  before(function () {
    this.timeout(180000);
    if (process.platform !== 'linux') {
      console.log(
        `    skipped: MPTCP sockets are Linux's (elsewhere Go and this package both listen with plain TCP); this is ${process.platform}`,
      );
      this.skip();
    }
    const go = goOrSkip(this);
    bin = join(work, 'mptcp-ref');
    const built = spawnSync(go, ['build', '-o', bin, './mptcp'], {
      cwd: here('./go'),
      encoding: 'utf8',
      timeout: 170000,
      env: goEnv,
    });
    if (built.status !== 0) throw new Error(`go build failed: ${built.stderr}`);
    const out = spawnSync(bin, [], { input: JSON.stringify(mptcpCases), encoding: 'utf8', timeout: 60000 });
    if (out.status !== 0) throw new Error(`mptcp reference failed: ${out.stderr}`);
    reference = JSON.parse(out.stdout);
  });

  after(function () {
    rmSync(work, { recursive: true, force: true });
  });

  mptcpCases.forEach((c, i) => {
    const flags = [
      c.default ? 'the default' : c.plain ? 'SetMultipathTCP(false)' : 'SetMultipathTCP(true)',
      c.godebug !== undefined && `GODEBUG=multipathtcp=${c.godebug}`,
      c.controlError && 'Control fails',
      c.inUse && 'address in use',
      c.clients && 'a TCP and an MPTCP client',
    ]
      .filter(Boolean)
      .join(', ');
    it(`${c.network} "${c.address}" (${flags})`, async function () {
      const why = await skipReasonIPv6(c);
      if (why !== undefined) {
        console.log(`    skipped: ${why}`);
        this.skip();
      }
      expect(await oursMPTCP(c, bin)).to.deep.equal(wantFromGo(reference[i]));
    });
  });

  it('with net.mptcp.enabled = 0 (a network namespace): both fall back to plain TCP alike', async function () {
    this.timeout(60000);
    const netns = netnsSkipReason();
    if (netns !== undefined) {
      console.log(`    skipped: ${netns}`);
      this.skip();
    }
    if (!existsSync('/proc/sys/net/mptcp/enabled')) {
      console.log('    skipped: this kernel has no MPTCP at all (the cases above are the fallback then)');
      this.skip();
    }
    const ns = `listenconfig-go-mptcp-${process.pid}`;
    const child = here('./fixtures/mptcp-ours.mjs');
    const cases = [];
    for (const c of mptcpOffCases) {
      const why = await skipReasonIPv6(c);
      if (why === undefined) cases.push(c);
      else console.log(`    (skipped: ${c.network} "${c.address}": ${why})`);
    }
    const [goOut, ours] = inNetns(ns, ['net.mptcp.enabled=0'], (run) => [
      JSON.parse(run(bin, [], { input: JSON.stringify(cases), encoding: 'utf8', timeout: 30000 })),
      JSON.parse(
        run(process.execPath, [child], {
          input: JSON.stringify({ cases, dialer: bin }),
          encoding: 'utf8',
          timeout: 30000,
        }),
      ),
    ]);
    // The fallback really happened: plain TCP sockets, no MPTCP connection.
    expect(goOut.map((r) => r.protocol)).to.deep.equal(cases.map((c) => (c.controlError ? null : 6)));
    expect(ours).to.deep.equal(goOut.map(wantFromGo));
  });

  it('a closed connection: Go answers true (its getsockopt on the closed descriptor fails with neither fallback error), multipathTCP(conn) false; a known difference', function () {
    const closed = reference.filter((r) => r.closed !== null).map((r) => r.closed);
    expect(closed.length).to.be.above(0);
    // When this fails, Go changed its answer: revisit lib/mptcp.ts and docs/guide.md.
    expect(
      closed.every((v) => v === true),
      `Go's answers: ${closed}`,
    ).to.equal(true);
  });
});
