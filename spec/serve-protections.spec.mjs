// What http.Server and net.Server hang on listen(), through serve():
// header and request timeouts (Slowloris), maxConnections, getConnections,
// close(), closeIdleConnections(), and Go's Close and Shutdown.
import { expect } from './expect.mjs';
import * as http from 'node:http';
import * as net from 'node:net';
import { listen, serve, limitListener, OpError, ErrClosed } from 'listenconfig';
import { within, until } from './helpers.mjs';

const connections = (server) =>
  new Promise((resolve, reject) => server.getConnections((e, n) => (e ? reject(e) : resolve(n))));

// A client that has sent a full request and read its response, kept alive.
async function keptAlive(port, path = '/') {
  const c = net.connect(port, '127.0.0.1');
  c.on('error', () => {});
  c.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
  await within(new Promise((r) => c.once('data', r)), 5000, 'a response');
  return c;
}

// Connections the server has open now, seen from its 'connection' events.
function opened(server) {
  const open = new Set();
  server.on('connection', (c) => {
    open.add(c);
    c.on('close', () => open.delete(c));
  });
  return open;
}

const closeOf = (c) => new Promise((r) => (c.destroyed ? r() : c.once('close', r)));

describe('serve(): the protections listen() gives', function () {
  it('Slowloris: a client sending its headers one byte per 300 ms is answered 408 (or closed) at about headersTimeout', async function () {
    const ln = await listen('tcp', '127.0.0.1:0');
    const server = http.createServer(
      { headersTimeout: 1000, requestTimeout: 1500, connectionsCheckingInterval: 200 },
      (req, res) => res.end(),
    );
    const s = serve(ln, server);
    const started = performance.now();
    const c = net.connect(ln.addr().port, '127.0.0.1');
    c.on('error', () => {});
    const headers = 'GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ' + 'a'.repeat(64);
    let i = 0;
    const drip = setInterval(() => !c.destroyed && i < headers.length && c.write(headers[i++]), 300);
    let got = '';
    c.on('data', (d) => (got += d));
    try {
      // Without the connections-checking timer the client stays connected
      // for as long as it drips (20 s here).
      await within(closeOf(c), 4000, 'the server to give up on the slow client');
    } finally {
      clearInterval(drip);
      c.destroy();
    }
    const ms = performance.now() - started;
    expect(got === '' || got.startsWith('HTTP/1.1 408'), got).to.equal(true);
    expect(ms, 'not before headersTimeout').to.be.above(900);
    await s.close();
  });

  it('maxConnections 2, 5 clients: 2 served, 3 closed with a drop event each, getConnections() says 2', async function () {
    const ln = await listen('tcp', '127.0.0.1:0');
    const served = [];
    const server = net.createServer((c) => served.push(c));
    server.maxConnections = 2;
    const drops = [];
    server.on('drop', (d) => drops.push(d));
    const s = serve(ln, server);
    const clients = Array.from({ length: 5 }, () => net.connect(ln.addr().port, '127.0.0.1').on('error', () => {}));
    await until(() => served.length + drops.length === 5, 5000, '5 connections handled');
    expect(served.length).to.equal(2);
    expect(drops).to.have.length(3);
    expect(drops[0]).to.include({
      localAddress: '127.0.0.1',
      localPort: ln.addr().port,
      localFamily: 'IPv4',
      remoteAddress: '127.0.0.1',
      remoteFamily: 'IPv4',
    });
    expect(await connections(server)).to.equal(2);
    for (const c of clients) c.on('end', () => c.destroy());
    await until(() => clients.filter((c) => c.destroyed).length === 3, 5000, 'the 3 dropped clients to be closed');
    for (const c of clients) c.destroy();
    await s.close();
  });

  it('getConnections() follows connections up and down', async function () {
    const ln = await listen('tcp', '127.0.0.1:0');
    const server = net.createServer(() => {});
    const open = opened(server);
    const s = serve(ln, server);
    expect(await connections(server)).to.equal(0);
    const clients = Array.from({ length: 3 }, () => net.connect(ln.addr().port, '127.0.0.1').on('error', () => {}));
    await until(() => open.size === 3, 5000, '3 connections');
    expect(await connections(server)).to.equal(3);
    clients[0].destroy();
    await until(() => open.size === 2, 5000, 'one to end');
    expect(await connections(server)).to.equal(2);
    for (const c of clients) c.destroy();
    await s.close();
  });

  it("server.close(): no new connection is accepted, and 'close' and the callback come once the open ones end", async function () {
    const ln = await listen('tcp', '127.0.0.1:0');
    const server = net.createServer(() => {});
    const open = opened(server);
    const s = serve(ln, server);
    const c = net.connect(ln.addr().port, '127.0.0.1').on('error', () => {});
    await until(() => open.size === 1, 5000, 'the connection');
    let closed = false;
    const cb = new Promise((r) => server.close((err) => r(err)));
    cb.then(() => (closed = true));
    const refused = await new Promise((r) =>
      net
        .connect(ln.addr().port, '127.0.0.1')
        .on('connect', () => r(false))
        .on('error', (e) => r(e.code)),
    );
    expect(refused, 'the listener is closed').to.equal('ECONNREFUSED');
    await new Promise((r) => setTimeout(r, 50));
    expect(closed, 'still one connection open').to.equal(false);
    c.destroy();
    expect(await within(cb, 5000, "server.close()'s callback")).to.equal(undefined);
    await s.close();
  });

  it('closeIdleConnections() closes kept-alive connections between requests', async function () {
    const ln = await listen('tcp', '127.0.0.1:0');
    const server = http.createServer((req, res) => res.end('x'));
    const s = serve(ln, server);
    const c = await keptAlive(ln.addr().port);
    expect(c.destroyed).to.equal(false);
    server.closeIdleConnections();
    await within(closeOf(c), 5000, 'the idle connection to close');
    await s.close();
  });

  it('shutdown(): a request in flight completes, the kept-alive connection is then closed, and shutdown resolves', async function () {
    const ln = await listen('tcp', '127.0.0.1:0');
    let arrived;
    const inFlight = new Promise((r) => (arrived = r));
    // keepAliveTimeout long, so only shutdown's idle poll can end the connection soon.
    let answered = false;
    const server = http.createServer({ keepAliveTimeout: 30000 }, (req, res) => {
      arrived();
      setTimeout(() => res.end('finished', () => (answered = true)), 200);
    });
    const s = serve(ln, server);
    const agent = new http.Agent({ keepAlive: true });
    const response = new Promise((resolve, reject) => {
      http
        .get(`http://${ln.addr()}/`, { agent }, (res) => {
          let d = '';
          res.on('data', (x) => (d += x)).on('end', () => resolve([res.statusCode, d, res.headers.connection]));
        })
        .on('error', reject);
    });
    await within(inFlight, 5000, 'the request to arrive');
    let done = false;
    const shut = s.shutdown().then(() => {
      done = true;
      expect(answered, 'shutdown waits for the request').to.equal(true);
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(done, 'shutdown waits for the request').to.equal(false);
    // The answer says so, and the connection closes after carrying it (issue 19).
    expect(await within(response, 5000, 'the response')).to.deep.equal([200, 'finished', 'close']);
    await within(shut, 5000, 'shutdown() (the connection is idle once the response is done)');
    expect(server.listening).to.equal(false);
    agent.destroy();
  });

  it('shutdown({ signal }): rejects with an AbortError when the signal aborts first, leaving the connection; close() then ends it', async function () {
    const ln = await listen('tcp', '127.0.0.1:0');
    const server = http.createServer(() => {}); // never answers
    const open = opened(server);
    const s = serve(ln, server);
    const c = net.connect(ln.addr().port, '127.0.0.1').on('error', () => {});
    c.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await until(() => open.size === 1, 5000, 'the connection');
    const err = await within(
      s.shutdown({ signal: AbortSignal.timeout(200) }).then(
        () => undefined,
        (e) => e,
      ),
      5000,
      'the abort',
    );
    expect(err).to.include({ name: 'AbortError', code: 'ABORT_ERR' });
    expect(c.destroyed, 'connections are left as Go leaves them').to.equal(false);
    await within(s.close(), 5000, 'close()');
    await within(closeOf(c), 5000, 'the connection to be closed');
  });

  it('close() and shutdown() twice are safe, and an unawaited aborted shutdown() is no unhandled rejection', async function () {
    const ln = await listen('tcp', '127.0.0.1:0');
    const server = net.createServer(() => {});
    const open = opened(server);
    const s = serve(ln, server);
    const unhandled = [];
    const onUnhandled = (e) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      const c = net.connect(ln.addr().port, '127.0.0.1').on('error', () => {});
      await until(() => open.size === 1, 5000, 'the connection');
      s.shutdown({ signal: AbortSignal.abort() }); // not awaited, rejects
      const again = s.shutdown();
      await new Promise((r) => setTimeout(r, 20));
      await within(Promise.all([s.close(), s.close(), again]), 5000, 'close() twice and the pending shutdown()');
      await within(closeOf(c), 5000, 'close() to end the connection');
      await new Promise((r) => setTimeout(r, 20));
      expect(unhandled).to.deep.equal([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('a listener closed by its owner stops the server (quietly: ErrClosed is no error)', async function () {
    const ln = await listen('tcp', '127.0.0.1:0');
    const server = net.createServer();
    const errors = [];
    server.on('error', (e) => errors.push(e));
    const s = serve(ln, server);
    await new Promise((r) => server.once('listening', r));
    await ln.close();
    await within(new Promise((r) => server.once('close', r)), 5000, "the server's 'close'");
    expect(server.listening).to.equal(false);
    expect(errors).to.deep.equal([]);
    await s.close();
  });

  it('refuses a listening server, a closed listener, and bad arguments', async function () {
    const ln = await listen('tcp', '127.0.0.1:0');
    const busy = net.createServer();
    await new Promise((r) => busy.listen(0, '127.0.0.1', r));
    expect(() => serve(ln, busy))
      .to.throw()
      .with.property('code', 'ERR_SERVER_ALREADY_LISTEN');
    busy.close();
    const server = net.createServer();
    const s = serve(ln, server);
    expect(() => serve(ln, server), 'the same server twice')
      .to.throw()
      .with.property('code', 'ERR_SERVER_ALREADY_LISTEN');
    await s.close();
    let err;
    try {
      serve(ln, net.createServer());
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(OpError);
    expect(err.err).to.equal(ErrClosed);
    const ln2 = await listen('tcp', '127.0.0.1:0');
    const bad = [
      [() => serve({}, net.createServer()), TypeError, 'ERR_INVALID_ARG_TYPE', /"ln" argument must be a Listener/],
      [() => serve(ln2, {}), TypeError, 'ERR_INVALID_ARG_TYPE', /"server" argument must be an instance of net.Server/],
      [() => serve(ln2, net.createServer(), null), TypeError, 'ERR_INVALID_ARG_TYPE', /"options"/],
      [
        () => serve(ln2, net.createServer(), { maxConcurent: 2 }),
        TypeError,
        'ERR_INVALID_ARG_VALUE',
        /options\.maxConcurent/,
      ],
      [() => serve(ln2, net.createServer(), { onError: 1 }), TypeError, 'ERR_INVALID_ARG_TYPE', /"onError"/],
      [() => serve(ln2, net.createServer(), { maxConcurrent: 0 }), RangeError, 'ERR_OUT_OF_RANGE', /maxConcurrent/],
      [() => serve(ln2, net.createServer(), { maxConcurrent: 1.5 }), RangeError, 'ERR_OUT_OF_RANGE', /maxConcurrent/],
      [
        () => serve(ln2, net.createServer(), { maxConcurrent: '2' }),
        TypeError,
        'ERR_INVALID_ARG_TYPE',
        /maxConcurrent/,
      ],
      [
        // Only ListenConfig's own listeners make sockets paused (serve-sockets.spec.mjs).
        () => serve(limitListener(ln2, 4), net.createServer({ pauseOnConnect: true })),
        Error,
        'ERR_LISTENCONFIG_PAUSE_ON_CONNECT',
        /pauseOnConnect/,
      ],
    ];
    for (const [fn, type, code, msg] of bad) {
      expect(fn).to.throw(type, msg).with.property('code', code);
    }
    expect(ln2.queued(), 'a refused serve() leaves the listener open').to.equal(0);
    await ln2.close();
  });

  it('a second serve() of a listener being served throws ERR_LISTENCONFIG_ALREADY_SERVED and changes nothing', async function () {
    const ln = await listen('tcp', '127.0.0.1:0');
    const a = net.createServer({ pauseOnConnect: true, highWaterMark: 1024 });
    const got = new Promise((resolve) =>
      a.once('connection', (s) => {
        resolve({ paused: s.isPaused(), hwm: s.readableHighWaterMark });
        s.destroy();
      }),
    );
    serve(ln, a);
    const b = net.createServer();
    expect(() => serve(ln, b))
      .to.throw(Error, /already being served/)
      .with.property('code', 'ERR_LISTENCONFIG_ALREADY_SERVED');
    expect(b.listening).to.equal(false);
    const c = net.connect(ln.addr().port, '127.0.0.1');
    c.on('error', () => {});
    // The first server's options are still the listener's.
    expect(await within(got, 5000, "'connection'")).to.deep.equal({ paused: true, hwm: 1024 });
    c.destroy();
    await new Promise((resolve) => a.close(resolve));
    // Once the first has stopped, the listener is closed: its own error.
    let err;
    try {
      serve(ln, b);
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(OpError);
    expect(err.err).to.equal(ErrClosed);
  });

  it("blockList (Node 22's net.Server option): a blocked peer is closed unannounced, another is served", async function () {
    const ln = await listen('tcp', '127.0.0.1:0');
    const server = net.createServer((c) => c.end('hello'));
    const seen = [];
    server.on('connection', (c) => seen.push(c.remoteAddress));
    // The option as Node 22 stores it; older Nodes ignore it in the
    // constructor, so it is set the way net.Server keeps it.
    server.blockList = new net.BlockList();
    server.blockList.addAddress('127.0.0.2');
    const s = serve(ln, server);
    const read = (localAddress) =>
      new Promise((resolve) => {
        const c = net.connect({ port: ln.addr().port, host: '127.0.0.1', localAddress });
        let got = '';
        c.on('data', (d) => (got += d));
        c.on('error', () => {});
        c.on('close', () => resolve(got));
      });
    expect(await within(read('127.0.0.2'), 3000, 'the blocked client closed')).to.equal('');
    expect(await within(read('127.0.0.1'), 3000, 'the allowed client served')).to.equal('hello');
    expect(seen).to.deep.equal(['127.0.0.1']);
    await s.close();
  });
});
