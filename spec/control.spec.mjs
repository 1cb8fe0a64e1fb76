// TestListenConfigControl: Control runs on the raw socket after socket()
// and the default options, before bind(), with Go's network and address.
import { expect } from './expect.mjs';
import { ListenConfig, OpError, constants, getsockopt, setsockopt } from 'listenconfig';
import { expectSameFdCount, dial, within, destroyAll, hasIPv6Loopback } from './helpers.mjs';
// getsockname is not public API; the spec reads it through the addon.
import { binding } from '../dist/native.js';

describe('ListenConfig control', function () {
  const cases = [
    // [network, address, Control's network, Control's address] from Go 1.19 on Linux.
    ['tcp', ':0', 'tcp6', ':0'],
    ['tcp', 'localhost:0', 'tcp4', '127.0.0.1:0'],
    ['tcp', '127.0.0.1:0', 'tcp4', '127.0.0.1:0'],
    ['tcp', '[::1]:0', 'tcp6', '[::1]:0'],
    ['tcp', '0.0.0.0:0', 'tcp6', '0.0.0.0:0'],
    ['tcp4', ':0', 'tcp4', ':0'],
    ['tcp6', ':0', 'tcp6', ':0'],
  ];
  for (const [network, address, wantNet, wantAddr] of cases) {
    it(`Listen(${network}, "${address}") calls Control(${wantNet}, "${wantAddr}")`, async function () {
      if (address.includes('::1') && !(await hasIPv6Loopback())) {
        console.log('    skipped: this machine has no IPv6 loopback (::1)');
        this.skip();
      }
      const calls = [];
      const ln = await new ListenConfig({ control: (n, a) => void calls.push([n, a]) }).listen(network, address);
      await ln.close();
      expect(calls).to.deep.equal([[wantNet, wantAddr]]);
    });
  }

  it('runs before bind(): the socket it sees has SO_REUSEADDR set and no local port yet', async function () {
    let seen;
    const ln = await new ListenConfig({
      control(network, address, c) {
        c.control((fd) => {
          seen = {
            reuseaddr: getsockopt(fd, constants.SOL_SOCKET, constants.SO_REUSEADDR, 'bool'),
            listening: getsockopt(fd, constants.SOL_SOCKET, constants.SO_ACCEPTCONN, 'bool'),
            v6only: getsockopt(fd, constants.IPPROTO_IPV6, constants.IPV6_V6ONLY, 'bool'),
            // Unbound: getsockname(2) reports port 0 until bind().
            port: binding.getsockname(fd).port,
          };
        });
      },
    }).listen('tcp', ':0');
    await ln.close();
    expect(seen).to.deep.equal({ reuseaddr: true, listening: false, v6only: false, port: 0 });
  });

  it('two listeners share a port only when Control sets SO_REUSEPORT', async function () {
    if (constants.SO_REUSEPORT === undefined) {
      console.log('    skipped: this platform has no SO_REUSEPORT');
      this.skip();
    }
    const reuse = new ListenConfig({
      control: (n, a, c) => c.control((fd) => setsockopt(fd, constants.SOL_SOCKET, constants.SO_REUSEPORT, 1)),
    });
    const a = await reuse.listen('tcp4', '127.0.0.1:0');
    const port = a.addr().port;
    try {
      const b = await reuse.listen('tcp4', `127.0.0.1:${port}`);
      expect(b.addr().port).to.equal(port);
      await b.close();
      let err;
      try {
        await new ListenConfig().listen('tcp4', `127.0.0.1:${port}`);
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(OpError);
      expect(err.message).to.equal(`listen tcp4 127.0.0.1:${port}: bind: address already in use`);
      expect(err.code).to.equal('EADDRINUSE');
    } finally {
      await a.close();
    }
  });

  it('an async Control is awaited before bind()', async function () {
    let bound = false;
    const ln = await new ListenConfig({
      async control(n, a, c) {
        await new Promise((r) => setTimeout(r, 20));
        c.control((fd) => setsockopt(fd, constants.SOL_SOCKET, constants.SO_RCVBUF, 65536));
        bound = true;
      },
    }).listen('tcp', '127.0.0.1:0');
    try {
      expect(bound).to.equal(true);
      const rcvbuf = ln.syscallConn().control((fd) => getsockopt(fd, constants.SOL_SOCKET, constants.SO_RCVBUF));
      // Linux doubles the value for bookkeeping (socket(7)).
      expect(rcvbuf).to.be.oneOf([65536, 131072]);
    } finally {
      await ln.close();
    }
  });

  it('a throwing or rejecting Control fails listen with an OpError wrapping its error, and closes the socket', async function () {
    const boom = new Error('boom');
    const configs = [
      new ListenConfig({
        control: () => {
          throw boom;
        },
      }),
      new ListenConfig({
        control: async () => {
          throw boom;
        },
      }),
    ];
    // Warm up lazily created descriptors (DNS, epoll) before counting.
    for (const lc of configs) await lc.listen('tcp', '127.0.0.1:0').catch(() => {});
    await expectSameFdCount(async () => {
      for (let i = 0; i < 200; i++) {
        let err;
        try {
          await configs[i % 2].listen('tcp', '127.0.0.1:0');
        } catch (e) {
          err = e;
        }
        expect(err).to.be.instanceOf(OpError);
        expect(err.err).to.equal(boom);
        expect(err.cause).to.equal(boom);
        expect(err.message).to.equal('listen tcp 127.0.0.1:0: boom');
      }
    });
  });

  it("a Control that throws a non-Error: Go's message, the value kept as the cause", async function () {
    const err = await new ListenConfig({
      control: () => {
        throw 'no';
      },
    })
      .listen('tcp', '127.0.0.1:0')
      .catch((e) => e);
    expect(err).to.be.instanceOf(OpError);
    expect(err.message).to.equal('listen tcp 127.0.0.1:0: no');
    expect(err.err).to.be.instanceOf(Error);
    expect(err.err.cause).to.equal('no');
  });

  it('the RawConn given to Control is unusable after Control returns', async function () {
    let kept;
    const ln = await new ListenConfig({
      control: (n, a, c) => {
        kept = c;
      },
    }).listen('tcp', '127.0.0.1:0');
    await ln.close();
    expect(() => kept.control(() => 0)).to.throw(OpError, /^raw-control tcp 127\.0\.0\.1:0: /);
  });

  it('Control can set options that accepted connections see (TCP_DEFER_ACCEPT holds them until data)', async function () {
    if (constants.TCP_DEFER_ACCEPT === undefined) {
      console.log('    skipped: no TCP_DEFER_ACCEPT on this platform');
      this.skip();
    }
    const ln = await new ListenConfig({
      control: (n, a, c) => c.control((fd) => setsockopt(fd, constants.IPPROTO_TCP, constants.TCP_DEFER_ACCEPT, 5)),
    }).listen('tcp', '127.0.0.1:0');
    const client = dial(ln.addr().port);
    try {
      await within(client.connected, 2000, 'connect');
      let accepted = false;
      const p = ln.accept().then((s) => {
        accepted = true;
        return s;
      });
      await new Promise((r) => setTimeout(r, 200));
      expect(accepted, 'accepted before any data with TCP_DEFER_ACCEPT').to.equal(false);
      client.sock.write('x');
      const conn = await within(p, 3000, 'accept after data');
      conn.destroy();
    } finally {
      destroyAll([client]);
      await ln.close();
    }
  });
});
