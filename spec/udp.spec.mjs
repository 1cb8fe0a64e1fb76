// listenPacket for UDP, as Go's ListenConfig.ListenPacket (udpsock_posix.go,
// listenDatagram in sock_posix.go): the socket is made natively so Control
// runs before bind(), then it is an ordinary dgram.Socket. Go's texts and
// dual-stack rules are compared case by case in go.spec.mjs.
import { expect } from './expect.mjs';
import * as dgram from 'node:dgram';
import {
  ListenConfig,
  listenPacket,
  syscallConn,
  constants,
  getsockopt,
  setsockopt,
  OpError,
  ErrClosed,
} from 'listenconfig';
import { expectSameFdCount, thrown, within, skip } from './helpers.mjs';

const closeSocket = (ds) => new Promise((resolve) => ds.close(resolve));

function once(ds, event) {
  return new Promise((resolve) => ds.once(event, (...a) => resolve(a)));
}

describe('listenPacket: UDP (Go: ListenConfig.ListenPacket)', function () {
  before(function () {
    if (process.platform === 'win32')
      skip(this, 'listenPacket is not supported on Windows (spec/windows/listen.spec.mjs checks the error)');
  });

  it('TestListenConfigListenPacket: a bound dgram.Socket that sends and receives', async function () {
    const ds = await listenPacket('udp4', '127.0.0.1:0');
    const client = dgram.createSocket('udp4');
    try {
      expect(ds).to.be.instanceOf(dgram.Socket);
      const { address, port, family } = ds.address();
      expect([address, family]).to.deep.equal(['127.0.0.1', 'IPv4']);
      ds.on('message', (m, rinfo) => ds.send(`pong ${m}`, rinfo.port, rinfo.address));
      const reply = once(client, 'message');
      client.send('ping', port, '127.0.0.1');
      const [msg] = await within(reply, 2000, 'reply');
      expect(String(msg)).to.equal('pong ping');
    } finally {
      client.close();
      await closeSocket(ds);
    }
  });

  it('Control runs before bind(): SO_REUSEPORT lets two sockets share a port, SO_RCVBUF reads back', async function () {
    if (constants.SO_REUSEPORT === undefined) skip(this, 'this OS has no SO_REUSEPORT');
    const calls = [];
    const lc = new ListenConfig({
      control(network, address, raw) {
        calls.push([network, address]);
        raw.control((fd) => {
          setsockopt(fd, constants.SOL_SOCKET, constants.SO_REUSEPORT, 1);
          setsockopt(fd, constants.SOL_SOCKET, constants.SO_RCVBUF, 65536);
        });
      },
    });
    const a = await lc.listenPacket('udp4', '127.0.0.1:0');
    const port = a.address().port;
    const b = await lc.listenPacket('udp4', `127.0.0.1:${port}`);
    try {
      expect(calls).to.deep.equal([
        ['udp4', '127.0.0.1:0'],
        ['udp4', `127.0.0.1:${port}`],
      ]);
      expect(b.address().port).to.equal(port);
      // Linux doubles the value for its bookkeeping; others keep it.
      expect(syscallConn(b).control((fd) => getsockopt(fd, constants.SOL_SOCKET, constants.SO_RCVBUF))).to.be.at.least(
        65536,
      );
      // Without SO_REUSEPORT, Go's answer for the same port.
      const e = await listenPacket('udp4', `127.0.0.1:${port}`).catch((err) => err);
      expect(e).to.be.instanceOf(OpError);
      expect(e.message).to.equal(`listen udp4 127.0.0.1:${port}: bind: address already in use`);
      expect(e.code).to.equal('EADDRINUSE');
    } finally {
      await closeSocket(a);
      await closeSocket(b);
    }
  });

  it('Go\'s default options: SO_BROADCAST on; "udp" on a wildcard is one dual-stack socket', async function () {
    const ds = await listenPacket('udp', ':0');
    try {
      const raw = syscallConn(ds);
      expect(raw.control((fd) => getsockopt(fd, constants.SOL_SOCKET, constants.SO_BROADCAST, 'bool'))).to.equal(true);
      expect(ds.address().family).to.equal('IPv6');
      expect(raw.control((fd) => getsockopt(fd, constants.IPPROTO_IPV6, constants.IPV6_V6ONLY, 'bool'))).to.equal(
        false,
      );
      // An IPv4 client reaches it.
      const client = dgram.createSocket('udp4');
      const got = once(ds, 'message');
      client.send('v4', ds.address().port, '127.0.0.1');
      const [msg] = await within(got, 2000, 'v4 datagram');
      client.close();
      expect(String(msg)).to.equal('v4');
    } finally {
      await closeSocket(ds);
    }
  });

  it('syscallConn(ds) fails with ErrClosed once the dgram socket is closed', async function () {
    const ds = await listenPacket('udp4', '127.0.0.1:0');
    const raw = syscallConn(ds);
    const { port } = ds.address();
    await closeSocket(ds);
    const e = thrown(() => raw.control(() => undefined));
    expect(e).to.be.instanceOf(OpError);
    expect(e.err).to.equal(ErrClosed);
    // Go 1.19 names the local address: `raw-control udp4 127.0.0.1:P: …`.
    expect(e.message).to.equal(`raw-control udp4 127.0.0.1:${port}: use of closed network connection`);
  });

  it('failures leave no descriptor behind: bind errors, Control throwing, an aborted signal', async function () {
    await expectSameFdCount(async () => {
      for (let i = 0; i < 50; i++) {
        await listenPacket('udp', '192.0.2.1:0').catch(() => {});
        await new ListenConfig({
          control() {
            throw new Error('boom');
          },
        })
          .listenPacket('udp', ':0')
          .catch(() => {});
        const ac = new AbortController();
        await new ListenConfig({
          control() {
            ac.abort();
          },
        })
          .listenPacket('udp', ':0', { signal: ac.signal })
          .catch(() => {});
      }
    });
  });

  it('unix and unixpacket are refused with ERR_UNSUPPORTED_NETWORK, saying why (unixgram: spec/unixgram.spec.mjs)', async function () {
    const stream = await listenPacket('unix', '/tmp/lc.sock').catch((e) => e);
    expect(stream.message).to.equal('listen unix /tmp/lc.sock: network unix is a stream network: use listen()');
  });
});
