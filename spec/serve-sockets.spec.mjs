// serve(): the sockets a server gets are the ones net.Server's own accept
// path (onconnection) makes: the same kernel options, the same options
// recorded on the net.Socket, the same constructor options (allowHalfOpen,
// pauseOnConnect, highWaterMark), and no trace of serve()'s own
// bookkeeping. Each case is compared with server.listen() on this Node.
import { expect } from './expect.mjs';
import * as http from 'node:http';
import * as net from 'node:net';
import { ListenConfig, listen, serve, getsockopt, constants as C } from 'listenconfig';
import { within } from './helpers.mjs';

const linux = process.platform === 'linux';

// The socket's options as the kernel has them, and as net.Socket recorded
// them (the symbols setNoDelay()/setKeepAlive() compare against).
function optionsOf(socket) {
  const rec = {};
  for (const sym of Object.getOwnPropertySymbols(socket)) {
    const d = sym.description;
    if (d === 'kSetNoDelay' || d === 'kSetKeepAlive' || d === 'kSetKeepAliveInitialDelay') rec[d] = socket[sym];
  }
  const out = {
    recorded: rec,
    readableHighWaterMark: socket.readableHighWaterMark,
    writableHighWaterMark: socket.writableHighWaterMark,
    allowHalfOpen: socket.allowHalfOpen,
    // Every event's listener count, when 'connection' comes: serve()'s own
    // bookkeeping must not show (#20).
    listeners: Object.fromEntries(socket.eventNames().map((n) => [String(n), socket.listenerCount(n)])),
    // Its enumerable own properties: serve()'s own _destroy must not be one.
    keys: Object.keys(socket).sort(),
  };
  if (linux) {
    const fd = socket._handle.fd;
    out.nodelay = getsockopt(fd, C.IPPROTO_TCP, C.TCP_NODELAY, 'int');
    out.keepalive = getsockopt(fd, C.SOL_SOCKET, C.SO_KEEPALIVE, 'int');
    // The timers too, on or off: a later setKeepAlive(true) arms them as
    // they are (#20: Go's 15 s must not be left on the listener).
    out.keepidle = getsockopt(fd, C.IPPROTO_TCP, C.TCP_KEEPIDLE, 'int');
    out.keepintvl = getsockopt(fd, C.IPPROTO_TCP, C.TCP_KEEPINTVL, 'int');
    out.keepcnt = getsockopt(fd, C.IPPROTO_TCP, C.TCP_KEEPCNT, 'int');
  }
  return out;
}

// The first connection's options, under listen() or serve(ln).
// `then(socket)` runs first, as a 'connection' listener that changes options.
async function firstSocket(makeServer, ln, then = () => {}) {
  const server = makeServer();
  const got = new Promise((resolve) =>
    server.once('connection', (s) => {
      then(s);
      resolve(optionsOf(s));
    }),
  );
  let port;
  if (ln) {
    serve(ln, server);
    port = ln.addr().port;
  } else {
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = server.address().port;
  }
  const c = net.connect(port, '127.0.0.1');
  c.on('error', () => {});
  try {
    return await within(got, 5000, "'connection'");
  } finally {
    c.destroy();
    server.closeAllConnections?.();
    await new Promise((resolve) => server.close(() => resolve()));
  }
}

const servers = {
  'net.createServer()': () => net.createServer(),
  'net.createServer({ noDelay: true })': () => net.createServer({ noDelay: true }),
  'net.createServer({ keepAlive: true })': () => net.createServer({ keepAlive: true }),
  'net.createServer({ keepAlive: true, keepAliveInitialDelay: 5000 })': () =>
    net.createServer({ keepAlive: true, keepAliveInitialDelay: 5000 }),
  'net.createServer({ highWaterMark: 32768 })': () => net.createServer({ highWaterMark: 32768 }),
  'http.createServer() (noDelay by default)': () => http.createServer(),
  'http.createServer({ noDelay: false, keepAlive: true, keepAliveInitialDelay: 7000 })': () =>
    http.createServer({ noDelay: false, keepAlive: true, keepAliveInitialDelay: 7000 }),
};

describe("serve(): accepted sockets are net.Server's (#20)", function () {
  for (const [name, make] of Object.entries(servers)) {
    it(`${name}: options in the kernel and on the socket as under listen()`, async function () {
      const want = await firstSocket(make);
      const got = await firstSocket(make, await listen('tcp', '127.0.0.1:0'));
      expect(got).to.deep.equal(want);
    });
  }

  it('net.createServer() and a later setKeepAlive(true): the kernel’s timers, as under listen()', async function () {
    const on = (s) => s.setKeepAlive(true);
    const want = await firstSocket(() => net.createServer(), undefined, on);
    const got = await firstSocket(() => net.createServer(), await listen('tcp', '127.0.0.1:0'), on);
    expect(got).to.deep.equal(want);
  });

  it('a ListenConfig that names a keep-alive keeps Go’s options, recorded on the socket', async function () {
    const ln = await new ListenConfig({ keepAlive: 30_000 }).listen('tcp', '127.0.0.1:0');
    const got = await firstSocket(() => net.createServer({ keepAlive: true, keepAliveInitialDelay: 5000 }), ln);
    expect(got.recorded).to.deep.equal({ kSetNoDelay: true, kSetKeepAlive: true, kSetKeepAliveInitialDelay: 30 });
    if (linux)
      expect([got.nodelay, got.keepalive, got.keepidle, got.keepintvl, got.keepcnt]).to.deep.equal([1, 1, 30, 15, 9]);
  });

  it('setNoDelay(true) on a noDelay server’s socket issues nothing, as under listen()', async function () {
    const ln = await listen('tcp', '127.0.0.1:0');
    const server = net.createServer({ noDelay: true });
    const calls = new Promise((resolve) =>
      server.once('connection', (s) => {
        let n = 0;
        const orig = s._handle.setNoDelay;
        s._handle.setNoDelay = (v) => {
          n++;
          return orig.call(s._handle, v);
        };
        s.setNoDelay(true);
        s.setNoDelay(false);
        s.destroy();
        resolve(n);
      }),
    );
    serve(ln, server);
    net.connect(ln.addr().port, '127.0.0.1').on('error', () => {});
    expect(await within(calls, 5000, "'connection'")).to.equal(1);
    await new Promise((resolve) => server.close(resolve));
  });

  it('pauseOnConnect: the socket comes paused and unread, and reads once resumed', async function () {
    const ln = await listen('tcp', '127.0.0.1:0');
    const server = net.createServer({ pauseOnConnect: true });
    const done = new Promise((resolve, reject) =>
      server.once('connection', (s) => {
        expect(s.isPaused()).to.equal(true);
        let early = false;
        s.on('data', () => (early = true));
        setTimeout(() => {
          if (early) return reject(new Error('data read before resume()'));
          s.removeAllListeners('data');
          s.once('data', (d) => {
            s.destroy();
            resolve(String(d));
          });
          s.resume();
        }, 100);
      }),
    );
    serve(ln, server);
    const c = net.connect(ln.addr().port, '127.0.0.1', () => c.write('hi'));
    c.on('error', () => {});
    expect(await within(done, 5000, 'the paused socket')).to.equal('hi');
    c.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it("serve()'s tracking is invisible: no 'close' listener, and removing every one breaks nothing", async function () {
    const ln = await listen('tcp', '127.0.0.1:0');
    const server = net.createServer();
    const seen = new Promise((resolve) =>
      server.once('connection', (s) => {
        const n = s.listenerCount('close');
        s.removeAllListeners('close');
        resolve(n);
      }),
    );
    const serving = serve(ln, server);
    const c = net.connect(ln.addr().port, '127.0.0.1');
    c.on('error', () => {});
    expect(await within(seen, 5000, "'connection'")).to.equal(0);
    c.destroy();
    // shutdown() waits for the connection to end: it must still see it go.
    await within(serving.shutdown(), 5000, 'shutdown()');
  });

  it('re-serving a server with a connection open adds no listener to it, as re-listen() adds none', async function () {
    const warnings = [];
    const onWarning = (w) => warnings.push(w.name);
    process.on('warning', onWarning);
    const counts = async (again) => {
      const server = net.createServer();
      const got = new Promise((resolve) => server.once('connection', resolve));
      await again(server);
      const c = net.connect(server.address().port, '127.0.0.1');
      c.on('error', () => {});
      const s = await within(got, 5000, "'connection'");
      const seen = [];
      for (let i = 0; i < 12; i++) {
        server.close();
        await again(server);
        seen.push([server.listenerCount('close'), server.listenerCount('session')]);
      }
      c.destroy();
      s.destroy();
      await new Promise((resolve) => server.close(resolve));
      return seen;
    };
    try {
      const want = await counts((server) => new Promise((resolve) => server.listen(0, '127.0.0.1', resolve)));
      const got = await counts(async (server) => {
        serve(await listen('tcp', '127.0.0.1:0'), server);
        await new Promise((resolve) => server.once('listening', resolve));
      });
      expect(got).to.deep.equal(want);
      expect(want[11]).to.deep.equal([0, 0]);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).to.deep.equal([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it("_connectionKey keys the server by the port asked for, as listen(0) does ('4:127.0.0.1:0')", async function () {
    const plain = net.createServer();
    await new Promise((resolve) => plain.listen(0, '127.0.0.1', resolve));
    const want = plain._connectionKey;
    plain.close();
    const server = net.createServer();
    serve(await listen('tcp', '127.0.0.1:0'), server);
    const got = server._connectionKey;
    server.close();
    expect(got).to.equal(want).and.equal('4:127.0.0.1:0');
  });
});
