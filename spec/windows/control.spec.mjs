// TestListenConfigControlWindows: Control gets Go's arguments and the
// SOCKET, and setsockopt/getsockopt/constants work on it.
import { expect } from '../expect.mjs';
import { ListenConfig, setsockopt, getsockopt, constants as C } from 'listenconfig';
import { within } from '../helpers.mjs';
import { onlyWindows, client } from './helpers.mjs';

describe('Windows: Control on Winsock', function () {
  before(function () {
    onlyWindows(this);
  });

  it('constants holds the Winsock option names', function () {
    for (const name of [
      'SOL_SOCKET',
      'IPPROTO_TCP',
      'IPPROTO_IPV6',
      'SO_REUSEADDR',
      'SO_EXCLUSIVEADDRUSE',
      'SO_RCVBUF',
      'SO_SNDBUF',
      'SO_KEEPALIVE',
      'TCP_NODELAY',
      'IPV6_V6ONLY',
      'TCP_KEEPIDLE',
      'TCP_KEEPINTVL',
      'TCP_KEEPCNT',
    ]) {
      expect(C[name], name).to.be.a('number');
    }
    expect(C.SOL_SOCKET).to.equal(0xffff);
    expect(C.SO_EXCLUSIVEADDRUSE).to.equal(~C.SO_REUSEADDR);
    expect(C.SO_REUSEPORT).to.equal(undefined); // not a Windows option
  });

  for (const [network, address, wantNet, wantAddr] of [
    ['tcp4', '127.0.0.1:0', 'tcp4', '127.0.0.1:0'],
    ['tcp', ':0', 'tcp6', ':0'],
    ['tcp6', '[::1]:0', 'tcp6', '[::1]:0'],
  ]) {
    it(`listen("${network}", "${address}") calls Control("${wantNet}", "${wantAddr}", rawConn) with the SOCKET`, async function () {
      const calls = [];
      const lc = new ListenConfig({
        control(net, addr, raw) {
          raw.control((s) => calls.push({ net, addr, s }));
        },
      });
      const ln = await lc.listen(network, address);
      try {
        expect(calls).to.have.length(1);
        expect(calls[0].net).to.equal(wantNet);
        expect(calls[0].addr).to.equal(wantAddr);
        // A SOCKET is a kernel handle value: a positive multiple of 4.
        expect(calls[0].s).to.be.a('number');
        expect(calls[0].s > 0 && calls[0].s % 4 === 0, `SOCKET ${calls[0].s}`).to.equal(true);
        ln.syscallConn().control((s) => expect(s).to.equal(calls[0].s));
      } finally {
        await ln.close();
      }
    });
  }

  it('an option set in Control reads back, and the listener works with it', async function () {
    let seen;
    const lc = new ListenConfig({
      control(net, addr, raw) {
        raw.control((s) => {
          setsockopt(s, C.SOL_SOCKET, C.SO_RCVBUF, 256 * 1024);
          setsockopt(s, C.SOL_SOCKET, C.SO_EXCLUSIVEADDRUSE, true);
          seen = {
            rcvbuf: getsockopt(s, C.SOL_SOCKET, C.SO_RCVBUF),
            exclusive: getsockopt(s, C.SOL_SOCKET, C.SO_EXCLUSIVEADDRUSE, 'bool'),
            reuseaddr: getsockopt(s, C.SOL_SOCKET, C.SO_REUSEADDR, 'bool'),
          };
        });
      },
    });
    const ln = await lc.listen('tcp4', '127.0.0.1:0');
    const c = client(ln.addr().port);
    try {
      expect(seen.rcvbuf).to.be.at.least(256 * 1024);
      expect(seen.exclusive).to.equal(true);
      // Go sets no SO_REUSEADDR on Windows: it would let another socket
      // take the port (sockopt_windows.go).
      expect(seen.reuseaddr).to.equal(false);
      const conn = await within(ln.accept(), 5000, 'accept()');
      conn.end('ok');
      expect(await within(c.ended, 5000, 'the reply')).to.equal('ok');
    } finally {
      c.sock.destroy();
      await ln.close();
    }
  });

  it('IPV6_V6ONLY is 0 on a dual-stack "tcp" socket and 1 on "tcp6", as Go sets it', async function () {
    const got = {};
    for (const network of ['tcp', 'tcp6']) {
      const lc = new ListenConfig({
        control(net, addr, raw) {
          raw.control((s) => (got[network] = getsockopt(s, C.IPPROTO_IPV6, C.IPV6_V6ONLY, 'bool')));
        },
      });
      await (await lc.listen(network, ':0')).close();
    }
    expect(got).to.deep.equal({ tcp: false, tcp6: true });
  });

  it('TCP_NODELAY and SO_KEEPALIVE set on the listening socket read back', async function () {
    const ln = await new ListenConfig({
      control(net, addr, raw) {
        raw.control((s) => {
          setsockopt(s, C.IPPROTO_TCP, C.TCP_NODELAY, 1);
          setsockopt(s, C.SOL_SOCKET, C.SO_KEEPALIVE, 1);
        });
      },
    }).listen('tcp4', '127.0.0.1:0');
    try {
      ln.syscallConn().control((s) => {
        expect(getsockopt(s, C.IPPROTO_TCP, C.TCP_NODELAY, 'bool')).to.equal(true);
        expect(getsockopt(s, C.SOL_SOCKET, C.SO_KEEPALIVE, 'bool')).to.equal(true);
      });
    } finally {
      await ln.close();
    }
  });

  it('an async Control that throws fails the listen with an OpError wrapping its error', async function () {
    const boom = new Error('boom');
    const lc = new ListenConfig({
      async control() {
        await new Promise((r) => setTimeout(r, 1));
        throw boom;
      },
    });
    const err = await lc.listen('tcp4', '127.0.0.1:0').then(
      () => undefined,
      (e) => e,
    );
    expect(err?.name).to.equal('OpError');
    expect(err.message).to.equal('listen tcp4 127.0.0.1:0: boom');
    expect(err.err).to.equal(boom);
  });
});
