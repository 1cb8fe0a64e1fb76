// Go's raw IP networks (iprawsock.go; its tests TestIPConnLocalName,
// TestIPConnRemoteName, and icmp_test.go's ping): listenPacket('ip4:icmp',
// '127.0.0.1') is a SOCK_RAW IPConn where the process may open raw sockets
// (root, CAP_NET_RAW), Go's `socket: operation not permitted` where not.
import { expect } from './expect.mjs';
import { spawnSync } from 'node:child_process';
import { ListenConfig, IPConn, IPAddr, OpError, ErrClosed, listenPacket } from 'listenconfig';
import { repoRoot, within, skip, expectRejection } from './helpers.mjs';

// An ICMP echo request (RFC 792) with its checksum.
function echoRequest(id, seq, payload) {
  const b = Buffer.alloc(8 + payload.length);
  b[0] = 8;
  b.writeUInt16BE(id, 4);
  b.writeUInt16BE(seq, 6);
  payload.copy(b, 8);
  let sum = 0;
  for (let i = 0; i < b.length; i += 2) sum += (b[i] << 8) | (b[i + 1] ?? 0);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  b.writeUInt16BE(~sum & 0xffff, 2);
  return b;
}

const canRaw = () => process.platform === 'linux' && process.getuid?.() === 0;

describe('raw IP (Go: ListenPacket("ip4:icmp", …), *IPConn)', function () {
  it("network errors are Go's, before any socket: unknown network, unknown protocol", async function () {
    const e1 = await listenPacket('ip4', '127.0.0.1').catch((e) => e);
    expect(e1).to.be.instanceOf(OpError);
    expect(e1.message).to.equal('listen ip4: unknown network ip4');
    const e2 = await listenPacket('ip4:nosuchproto', '127.0.0.1').catch((e) => e);
    expect(e2.message).to.equal('listen ip4:nosuchproto: address nosuchproto: unknown IP protocol specified');
    const e3 = await listenPacket('ip4:icmp', '::1').catch((e) => e);
    expect(e3.message).to.equal('listen ip4:icmp: address ::1: no suitable address found');
  });

  it('pings 127.0.0.1: an echo request out with writeTo, the reply in with readFrom (root)', async function () {
    if (!canRaw()) return skip(this, 'raw sockets need root or CAP_NET_RAW on Linux');
    const seen = [];
    const c = await new ListenConfig({
      control(network, address) {
        seen.push([network, address]);
      },
    }).listenPacket('ip4:icmp', '127.0.0.1');
    try {
      expect(c).to.be.instanceOf(IPConn);
      // Go 1.19 tells Control the parsed network, 'ip4'.
      expect(seen).to.deep.equal([['ip4', '127.0.0.1']]);
      expect(c.localAddr()).to.be.instanceOf(IPAddr);
      expect(String(c.localAddr())).to.equal('127.0.0.1');
      const id = process.pid & 0xffff;
      const req = echoRequest(id, 1, Buffer.from('listenconfig'));
      expect(await c.writeTo(req, '127.0.0.1')).to.equal(req.length);
      const buf = Buffer.alloc(1500);
      c.setReadDeadline(new Date(Date.now() + 3000));
      // The socket sees every ICMP message to 127.0.0.1: our request too.
      for (;;) {
        const { n, addr } = await c.readFrom(buf);
        expect(String(addr)).to.equal('127.0.0.1');
        if (buf[0] === 0 && buf.readUInt16BE(4) === id) {
          // The IPv4 header is stripped, as Go's ReadFrom does: the ICMP
          // message starts at 0.
          expect(buf.subarray(8, n).toString()).to.equal('listenconfig');
          break;
        }
      }
    } finally {
      await c.close();
    }
    const e = await c.close().catch((e) => e);
    expect(e.err).to.equal(ErrClosed);
    expect(e.message).to.equal('close ip4 127.0.0.1: use of closed network connection');
  });

  it("bad input: Node's argument errors; no descriptor left by 1,000 failed binds (root)", async function () {
    if (!canRaw()) return skip(this, 'raw sockets need root or CAP_NET_RAW on Linux');
    const { readdirSync } = await import('node:fs');
    const count = () => readdirSync('/proc/self/fd').length;
    const c = await listenPacket('ip4:icmp', '127.0.0.1');
    try {
      await expectRejection(c.readFrom('x'), TypeError, 'ERR_INVALID_ARG_TYPE');
      await expectRejection(c.writeTo(Buffer.alloc(8), 42), TypeError, 'ERR_INVALID_ARG_TYPE');
      expect(() => c.setDeadline(1))
        .to.throw(TypeError)
        .with.property('code', 'ERR_INVALID_ARG_TYPE');
    } finally {
      await c.close();
    }
    const before = count();
    let msg;
    for (let i = 0; i < 1000; i++) msg = (await listenPacket('ip4:icmp', '192.0.2.1').catch((e) => e)).message;
    expect(msg).to.equal('listen ip4:icmp 192.0.2.1: bind: cannot assign requested address');
    expect(count()).to.equal(before);
  });

  it("writeTo an IPv6 address from an ip4 socket: Go's `address ::1: non-IPv4 address` (root)", async function () {
    if (!canRaw()) return skip(this, 'raw sockets need root or CAP_NET_RAW on Linux');
    const c = await listenPacket('ip4:253', '127.0.0.1');
    try {
      // Measured with Go 1.27.3 (go.mod `go 1.27`).
      const e = await c.writeTo(Buffer.alloc(8), '::1').catch((e) => e);
      expect(e).to.be.instanceOf(OpError);
      expect(e.message).to.equal('write ip4 127.0.0.1->::1: address ::1: non-IPv4 address');
      // A v4-mapped address is IPv4 to Go (ip.To4() != nil).
      expect(await c.writeTo(Buffer.alloc(8), '::ffff:127.0.0.1')).to.equal(8);
    } finally {
      await c.close();
    }
  });

  it("a read deadline times out a raw read with Go's text (root)", async function () {
    if (!canRaw()) return skip(this, 'raw sockets need root or CAP_NET_RAW on Linux');
    // Protocol 253 (RFC 3692 experimentation): nothing arrives.
    const c = await listenPacket('ip4:253', '127.0.0.1');
    try {
      c.setReadDeadline(new Date(Date.now() + 30));
      const e = await within(c.readFrom(Buffer.alloc(64)), 2000, 'timeout').catch((e) => e);
      expect(e.timeout()).to.equal(true);
      expect(e.message).to.equal('read ip4 127.0.0.1: i/o timeout');
    } finally {
      await c.close();
    }
  });

  it("without CAP_NET_RAW: Go's `listen ip4:icmp 127.0.0.1: socket: operation not permitted`, no descriptor left", async function () {
    if (process.platform !== 'linux') return skip(this, 'a Linux capability');
    const script = `
      import { listenPacket } from 'listenconfig';
      import * as fs from 'node:fs';
      const before = fs.readdirSync('/proc/self/fd').length;
      let msg, code;
      for (let i = 0; i < 1000; i++) {
        const e = await listenPacket('ip4:icmp', '127.0.0.1').then((c) => (c.close(), null), (e) => e);
        msg = e?.message; code = e?.code;
      }
      console.log(JSON.stringify({ msg, code, growth: fs.readdirSync('/proc/self/fd').length - before }));
    `;
    let prefix;
    if (process.getuid() === 0) {
      if (spawnSync('setpriv', ['--version'], { stdio: 'ignore' }).status !== 0) {
        return skip(this, 'running as root, and setpriv (util-linux) is not there to drop CAP_NET_RAW');
      }
      // Root without CAP_NET_RAW in its bounding set gets no raw sockets.
      prefix = ['setpriv', '--bounding-set=-net_raw', '--inh-caps=-net_raw', '--'];
    } else {
      prefix = [];
    }
    const node = [process.execPath, '--input-type=module', '-e', script];
    const argv = [...prefix, ...node];
    const r = spawnSync(argv[0], argv.slice(1), { cwd: repoRoot, encoding: 'utf8' });
    expect(r.status, r.stderr).to.equal(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop());
    expect(out).to.deep.equal({
      msg: 'listen ip4:icmp 127.0.0.1: socket: operation not permitted',
      code: 'EPERM',
      growth: 0,
    });
  });
});
