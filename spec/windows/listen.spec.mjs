// TestListenBacklogWindows (code paths): listen() with backlogs 1, 199, 500
// and the default, each followed by a connection accepted and a
// request/response round trip on the adopted net.Socket.
import { expect } from '../expect.mjs';
import * as net from 'node:net';
import {
  ListenConfig,
  listen,
  listenPacket,
  dialUnix,
  maxListenerBacklog,
  multipathTCP,
  syscallConn,
  getsockopt,
  constants,
} from 'listenconfig';
import { within, destroyAll } from '../helpers.mjs';
import { onlyWindows, client, readN } from './helpers.mjs';

describe('Windows: listen with SOMAXCONN_HINT and the Backlog knob', function () {
  before(function () {
    onlyWindows(this);
  });

  it('maxListenerBacklog() is 65535 (applied as SOMAXCONN_HINT(65535))', function () {
    expect(maxListenerBacklog()).to.equal(65535);
  });

  const cases = [
    { backlog: 1, want: { requested: 1, effective: 1 } },
    { backlog: 199, want: { requested: 199, effective: 199 } },
    { backlog: 500, want: { requested: 500, effective: 500 } },
    { backlog: undefined, want: { requested: 65535, effective: 65535 } },
    { backlog: 100000, want: { requested: 100000, effective: 65535 } },
  ];
  for (const { backlog, want } of cases) {
    it(`backlog ${backlog ?? 'default'}: listens (${JSON.stringify(want)}), accepts, and serves a round trip`, async function () {
      const ln = await new ListenConfig({ backlog }).listen('tcp', '127.0.0.1:0');
      const clients = [];
      try {
        expect(ln.backlog).to.deep.equal(want);
        expect(ln.queued()).to.equal(undefined); // Windows cannot report its queue
        const c = client(ln.addr().port);
        clients.push(c);
        const conn = await within(ln.accept(), 5000, 'accept()');
        expect(conn.constructor.name).to.equal('Socket');
        expect(conn.remotePort).to.equal(c.sock.localPort);
        const req = readN(conn, 5);
        c.sock.write('ping\n');
        expect(await within(req, 5000, 'the request')).to.equal('ping\n');
        conn.end('pong\n');
        expect(await within(c.ended, 5000, 'the response')).to.equal('pong\n');
      } finally {
        destroyAll(clients);
        await ln.close();
      }
    });
  }

  it('listen("tcp", ":0") is one dual-stack socket that accepts IPv4 and IPv6', async function () {
    const ln = await listen('tcp', ':0');
    const clients = [];
    try {
      expect(ln.addr().toString()).to.match(/^\[::\]:\d+$/);
      for (const host of ['127.0.0.1', '::1']) {
        const c = client(ln.addr().port, host);
        clients.push(c);
        const conn = await within(ln.accept(), 5000, `accept() from ${host}`);
        conn.end('hi');
        expect(await within(c.ended, 5000, `the bytes over ${host}`)).to.equal('hi');
      }
    } finally {
      destroyAll(clients);
      await ln.close();
    }
  });

  it('http.Server serves a connection fed from accept()', async function () {
    const http = await import('node:http');
    const ln = await listen('tcp', '127.0.0.1:0');
    const server = http.createServer((req, res) => res.end(`hello ${req.url}`));
    try {
      const served = (async () => {
        const conn = await ln.accept();
        server.emit('connection', conn);
      })();
      const body = await within(
        new Promise((resolve, reject) => {
          http
            .get({ host: '127.0.0.1', port: ln.addr().port, path: '/win', agent: false }, (res) => {
              let b = '';
              res.setEncoding('utf8');
              res.on('data', (d) => (b += d));
              res.on('end', () => resolve(b));
            })
            .on('error', reject);
        }),
        5000,
        'the HTTP response',
      );
      await served;
      expect(body).to.equal('hello /win');
    } finally {
      server.close();
      await ln.close();
    }
  });

  it("connections that arrive before any accept() wait in Winsock's queue and are accepted later", async function () {
    const ln = await new ListenConfig({ backlog: 8 }).listen('tcp', '127.0.0.1:0');
    const clients = [];
    try {
      for (let i = 0; i < 3; i++) clients.push(client(ln.addr().port));
      await within(Promise.all(clients.map((c) => c.ready)), 5000, '3 connects');
      // The listener has not been asked: the three wait in Winsock's queue.
      await new Promise((r) => setTimeout(r, 200));
      for (let i = 0; i < 3; i++) {
        const conn = await within(ln.accept(), 5000, `accept() ${i + 1}`);
        conn.end(String(i));
      }
      const got = await within(Promise.all(clients.map((c) => c.ended)), 5000, 'three replies');
      expect(got.sort()).to.deep.equal(['0', '1', '2']);
    } finally {
      destroyAll(clients);
      await ln.close();
    }
  });

  it('listen("unix", path) is refused with ERR_UNSUPPORTED_NETWORK, saying why; no socket is made', async function () {
    const e = await listen('unix', 'C:\\listenconfig-unix.sock').then(
      (ln) => (ln.close(), null),
      (err) => err,
    );
    expect(e?.code).to.equal('ERR_UNSUPPORTED_NETWORK');
    expect(e.message).to.equal(
      "listen unix C:\\listenconfig-unix.sock: network unix is not supported on Windows: Node's pipes there are named pipes, which cannot carry an AF_UNIX socket",
    );
  });

  it('unixgram, unixpacket, dialUnix and raw IP are refused with ERR_UNSUPPORTED_NETWORK, saying why', async function () {
    const why = "is not supported on Windows: Winsock's AF_UNIX has stream sockets only";
    const gram = await listenPacket('unixgram', 'C:\\lc-gram.sock').catch((err) => err);
    expect(gram?.code).to.equal('ERR_UNSUPPORTED_NETWORK');
    expect(gram.message).to.equal(`listen unixgram C:\\lc-gram.sock: network unixgram ${why}`);
    const packet = await listen('unixpacket', 'C:\\lc-packet.sock').catch((err) => err);
    expect(packet?.code).to.equal('ERR_UNSUPPORTED_NETWORK');
    expect(packet.message).to.equal(`listen unixpacket C:\\lc-packet.sock: network unixpacket ${why}`);
    const dialed = await dialUnix('unixgram', 'C:\\lc-gram.sock').catch((err) => err);
    expect(dialed?.code).to.equal('ERR_UNSUPPORTED_NETWORK');
    expect(dialed.message).to.equal(`dial unixgram C:\\lc-gram.sock: network unixgram ${why}`);
    const raw = await listenPacket('ip4:icmp', '127.0.0.1').catch((err) => err);
    expect(raw?.code).to.equal('ERR_UNSUPPORTED_NETWORK');
    expect(raw.message).to.equal('listen ip4:icmp: network ip4:icmp is not supported on Windows');
  });

  it('listenPacket is refused with ERR_UNSUPPORTED_NETWORK, saying why', async function () {
    const e = await listenPacket('udp', ':0').catch((err) => err);
    expect(e?.code).to.equal('ERR_UNSUPPORTED_NETWORK');
    expect(e.message).to.equal(
      "listen udp: listenPacket is not supported on Windows: Node's dgram module cannot adopt a SOCKET",
    );
  });

  it("syscallConn(conn) on an accepted connection reads its SOCKET's options (TCP_NODELAY, Go's default)", async function () {
    const ln = await listen('tcp', '127.0.0.1:0');
    const c = client(ln.addr().port);
    try {
      const conn = await within(ln.accept(), 5000, 'accept');
      const raw = syscallConn(conn);
      expect(raw.control((s) => getsockopt(s, constants.IPPROTO_TCP, constants.TCP_NODELAY, 'bool'))).to.equal(true);
      conn.destroy();
      expect(() => raw.control(() => undefined)).to.throw(/use of closed network connection/);
    } finally {
      c.sock.destroy();
      await ln.close();
    }
  });

  it('multipathTCP: true listens with plain TCP (no MPTCP in Winsock): multipathTCP() and multipathTCP(conn) say false', async function () {
    const ln = await new ListenConfig({ multipathTCP: true }).listen('tcp', '127.0.0.1:0');
    const peer = net.connect(ln.addr().port, '127.0.0.1');
    peer.on('error', () => {});
    try {
      expect(ln.multipathTCP()).to.equal(false);
      const conn = await ln.accept();
      expect(multipathTCP(conn)).to.equal(false);
      conn.destroy();
    } finally {
      peer.destroy();
      await ln.close();
    }
  });
});
