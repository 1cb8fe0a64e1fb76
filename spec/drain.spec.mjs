// shutdown()'s drain (issue 19): a keep-alive connection that looks idle
// may have the client's next request on its way; closing it then resets
// that request. The drain answers every request with `Connection: close`
// and closes a connection that carries none only after idleGrace ms of
// silence. The race is built deterministically with raw socket clients.
import { expect } from './expect.mjs';
import * as dc from 'node:diagnostics_channel';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { listen, serve } from 'listenconfig';
import { fdCount, skip, thrown, until, within } from './helpers.mjs';
import { certSkipReason, localhostCert } from './tls-cert.mjs';

// A raw HTTP/1.1 client on one connection: send() writes a request, next()
// resolves with the next whole response ({ status, headers, body }), or
// rejects with the reason the connection ended before one came.
function rawClient(port, ca) {
  const c =
    ca === undefined
      ? net.connect(port, '127.0.0.1')
      : tls.connect({ port, host: '127.0.0.1', servername: 'localhost', ca });
  let buf = '';
  let ended;
  const waiting = [];
  const parse = () => {
    while (waiting.length > 0) {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) break;
      const [line, ...rest] = buf.slice(0, end).split('\r\n');
      const headers = Object.fromEntries(
        rest.map((h) => [h.slice(0, h.indexOf(':')).toLowerCase(), h.slice(h.indexOf(':') + 1).trim()]),
      );
      const len = Number(headers['content-length'] ?? 0);
      if (buf.length < end + 4 + len) break;
      const body = buf.slice(end + 4, end + 4 + len);
      buf = buf.slice(end + 4 + len);
      waiting.shift().resolve({ status: Number(line.split(' ')[1]), headers, body });
    }
    if (ended !== undefined) for (const w of waiting.splice(0)) w.reject(ended);
  };
  c.setEncoding('latin1');
  c.on('data', (d) => {
    buf += d;
    parse();
  });
  const closed = new Promise((r) => c.on('close', r));
  c.on('end', () => {
    ended ??= new Error('the server closed the connection (EOF)');
    parse();
  });
  c.on('error', (e) => {
    ended ??= e;
    parse();
  });
  c.on('close', () => {
    ended ??= new Error('closed');
    parse();
  });
  return {
    sock: c,
    closed,
    connected: new Promise((r) => c.once(ca === undefined ? 'connect' : 'secureConnect', r)),
    send: (p = '/') => c.write(`GET ${p} HTTP/1.1\r\nHost: x\r\n\r\n`),
    next: () => new Promise((resolve, reject) => (waiting.push({ resolve, reject }), parse())),
  };
}

async function served(handler = (req, res) => res.end(`ok ${req.url}`)) {
  const ln = await listen('tcp', '127.0.0.1:0');
  // keepAliveTimeout long: only the drain may close an idle connection.
  const server = http.createServer({ keepAliveTimeout: 60_000 }, handler);
  const srv = serve(ln, server);
  return { port: ln.addr().port, server, srv };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe('shutdown(): the drain loses no request (issue 19)', function () {
  let unhandled;
  const onUnhandled = (e) => unhandled.push(e);
  beforeEach(() => {
    unhandled = [];
    process.on('unhandledRejection', onUnhandled);
  });
  afterEach(() => {
    process.off('unhandledRejection', onUnhandled);
    expect(unhandled).to.deep.equal([]);
  });

  it('a keep-alive request written right after shutdown() is answered with Connection: close, then the connection closes', async () => {
    const fds = fdCount();
    const { port, srv } = await served();
    const c = rawClient(port);
    c.send('/1');
    const first = await within(c.next(), 5000, 'the first answer');
    expect(first.headers.connection).to.equal('keep-alive');
    // The connection is idle now: Go's Shutdown and Node's close() would close it.
    const shut = srv.shutdown();
    c.send('/2');
    const second = await within(c.next(), 5000, 'the answer to the request on its way');
    expect(second).to.deep.include({ status: 200, body: 'ok /2' });
    expect(second.headers.connection).to.equal('close');
    await within(c.closed, 5000, 'the server to close after that answer');
    await within(shut, 5000, 'shutdown()');
    await until(() => fdCount() <= fds, 5000, `descriptors back to ${fds}`);
  });

  it('https: the same race over TLS, and a silent TLS connection closed after the grace', async function () {
    const pem = localhostCert();
    if (!pem) return skip(this, certSkipReason);
    const ln = await listen('tcp', '127.0.0.1:0');
    const srv = serve(
      ln,
      https.createServer({ ...pem, keepAliveTimeout: 60_000 }, (req, res) => res.end(`ok ${req.url}`)),
    );
    const c = rawClient(ln.addr().port, pem.cert);
    const silent = rawClient(ln.addr().port, pem.cert);
    c.send('/1');
    silent.send('/1');
    expect((await within(c.next(), 5000, 'the first answer')).headers.connection).to.equal('keep-alive');
    await within(silent.next(), 5000, "the silent one's first answer");
    // A grace far above the 100 ms before the request, so that only a
    // drain closing idle connections at once (not a slow machine) loses it.
    const shut = srv.shutdown({ idleGrace: 2000 });
    await sleep(100);
    c.send('/2');
    const second = await within(c.next(), 5000, 'the answer to the request on its way');
    expect(second).to.deep.include({ status: 200, body: 'ok /2' });
    expect(second.headers.connection).to.equal('close');
    // The silent one is closed after the grace: http's list gives the drain the TLSSocket.
    await within(Promise.all([c.closed, silent.closed, shut]), 5000, 'the closes and shutdown()');
  });

  it('a request written 300 ms into a 1 s grace is answered with Connection: close; shutdown() resolves then, not at the grace', async () => {
    const { port, srv } = await served();
    const c = rawClient(port);
    c.send('/1');
    await within(c.next(), 5000, 'the first answer');
    const t0 = performance.now();
    let resolvedAt;
    const shut = srv.shutdown({ idleGrace: 1000 }).then(() => (resolvedAt = performance.now() - t0));
    await sleep(300);
    expect(c.sock.destroyed, 'still open inside the grace').to.equal(false);
    c.send('/2');
    const second = await within(c.next(), 5000, 'the answer');
    expect(second).to.deep.include({ status: 200, body: 'ok /2' });
    expect(second.headers.connection).to.equal('close');
    await within(shut, 5000, 'shutdown()');
    expect(resolvedAt).to.be.below(1000);
  });

  it('a request being handled when shutdown() begins, and one arriving on another connection, both get Connection: close', async () => {
    let release;
    let arrived;
    const gate = new Promise((r) => (release = r));
    const slowArrived = new Promise((r) => (arrived = r));
    const { port, srv, server } = await served(async (req, res) => {
      if (req.url === '/slow') {
        arrived();
        await gate;
      }
      res.end(`ok ${req.url}`);
    });
    const slow = rawClient(port);
    const other = rawClient(port);
    await Promise.all([slow.connected, other.connected]);
    await until(() => server.listening, 5000, 'listening');
    slow.send('/slow');
    await within(slowArrived, 5000, 'the handler of /slow');
    const shut = srv.shutdown();
    other.send('/fresh');
    const fresh = await within(other.next(), 5000, 'the fresh request');
    expect(fresh.headers.connection).to.equal('close');
    release();
    const answered = await within(slow.next(), 5000, 'the slow request');
    expect(answered).to.deep.include({ status: 200, body: 'ok /slow' });
    expect(answered.headers.connection).to.equal('close');
    await within(Promise.all([slow.closed, other.closed, shut]), 5000, 'the connections and shutdown()');
  });

  it('a silent connection is closed once it stayed silent for idleGrace, not before; a new one is refused', async () => {
    const fds = fdCount();
    const { port, srv } = await served();
    const c = rawClient(port);
    c.send('/1');
    await within(c.next(), 5000, 'the first answer');
    const never = rawClient(port); // connected, never sends
    await never.connected;
    await sleep(50);
    const t0 = performance.now();
    let closedAt;
    c.closed.then(() => (closedAt = performance.now() - t0));
    await within(srv.shutdown({ idleGrace: 400 }), 5000, 'shutdown()');
    const ms = performance.now() - t0;
    await within(Promise.all([c.closed, never.closed]), 1000, 'both clients to see the close');
    expect(closedAt).to.be.at.least(390);
    expect(ms).to.be.at.least(390);
    expect(ms).to.be.below(3000);
    // Stopped accepting: the listener is closed.
    const late = net.connect(port, '127.0.0.1');
    const err = await new Promise((r) => late.on('error', r).on('connect', () => r(undefined)));
    expect(err?.code).to.equal('ECONNREFUSED');
    await until(() => fdCount() <= fds, 5000, `descriptors back to ${fds}`);
  });

  it('idleGrace 0 closes an idle connection at once, as Go does: a request sent 50 ms later is lost', async () => {
    const { port, srv } = await served();
    const c = rawClient(port);
    c.send('/1');
    await within(c.next(), 5000, 'the first answer');
    await within(srv.shutdown({ idleGrace: 0 }), 5000, 'shutdown()');
    await sleep(50);
    if (!c.sock.destroyed) c.send('/2');
    const lost = await within(
      c.next().then(
        () => undefined,
        (e) => e,
      ),
      5000,
      'the connection to end',
    );
    expect(lost instanceof Error, 'no answer to the second request').to.equal(true);
  });

  it('aborted: shutdown() rejects, the silent connection stays open, answers still say close; close() ends it', async () => {
    const { port, srv } = await served();
    const c = rawClient(port);
    c.send('/1');
    await within(c.next(), 5000, 'the first answer');
    const err = await srv.shutdown({ idleGrace: 60_000, signal: AbortSignal.timeout(100) }).catch((e) => e);
    expect(err).to.include({ name: 'AbortError' });
    await sleep(100);
    expect(c.sock.destroyed).to.equal(false);
    c.send('/2');
    const r = await within(c.next(), 5000, 'the answer after the abort');
    expect(r.headers.connection).to.equal('close');
    await within(c.closed, 5000, 'the connection to close after it');
    await within(srv.close(), 5000, 'close()');
  });

  it('refuses a bad idleGrace', async () => {
    const { srv } = await served();
    expect(thrown(() => srv.shutdown({ idleGrace: '1s' })).code).to.equal('ERR_INVALID_ARG_TYPE');
    expect(thrown(() => srv.shutdown({ idleGrace: -1 })).code).to.equal('ERR_OUT_OF_RANGE');
    expect(thrown(() => srv.shutdown({ idleGrace: Number.NaN })).code).to.equal('ERR_OUT_OF_RANGE');
    expect(thrown(() => srv.shutdown({ idleGrace: 2 ** 31 })).code).to.equal('ERR_OUT_OF_RANGE');
    // Only undefined is the default, as Node's own validators.
    const e = thrown(() => srv.shutdown({ idleGrace: null }));
    expect(e).to.be.instanceOf(TypeError);
    expect(e.code).to.equal('ERR_INVALID_ARG_TYPE');
    expect(e.message).to.equal('The "options.idleGrace" property must be of type number. Received null');
    await srv.close();
  });

  it("a server served again after shutdown(): the new listener's connections keep keep-alive and are not closed as silent", async () => {
    let release;
    let arrived;
    const gate = new Promise((r) => (release = r));
    const slowArrived = new Promise((r) => (arrived = r));
    const { port, srv, server } = await served(async (req, res) => {
      if (req.url === '/slow') {
        arrived();
        await gate;
      }
      res.end(`ok ${req.url}`);
    });
    const old = rawClient(port);
    old.send('/slow');
    await within(slowArrived, 5000, 'the handler of /slow');
    // The old loop drains (its request is under way) with a short grace.
    const shut = srv.shutdown({ idleGrace: 200 });
    const ln2 = await listen('tcp', '127.0.0.1:0');
    const srv2 = serve(ln2, server);
    const talking = rawClient(ln2.addr().port);
    const silent = rawClient(ln2.addr().port);
    await Promise.all([talking.connected, silent.connected]);
    talking.send('/new');
    const r = await within(talking.next(), 5000, "the new listener's answer");
    expect(r).to.deep.include({ status: 200, body: 'ok /new' });
    expect(r.headers.connection, "the old loop's drain answered the new listener's request").to.equal('keep-alive');
    // Five graces: the old drain's poll would have closed them by now.
    await sleep(1000);
    expect(silent.sock.destroyed, "the old loop's drain closed a silent connection of the new listener").to.equal(
      false,
    );
    expect(talking.sock.destroyed, "the old loop's drain closed an idle connection of the new listener").to.equal(
      false,
    );
    release();
    const answered = await within(old.next(), 5000, 'the slow request');
    expect(answered.headers.connection).to.equal('close');
    await within(shut, 5000, "the old loop's shutdown()");
    talking.send('/again');
    expect((await within(talking.next(), 5000, 'a second answer')).headers.connection).to.equal('keep-alive');
    await within(srv2.close(), 5000, 'close()');
  });

  it('requests pipelined behind an unsent answer during the drain: every answer arrives, the next request gets close', async () => {
    let release;
    let arrived;
    const gate = new Promise((r) => (release = r));
    const slowArrived = new Promise((r) => (arrived = r));
    const ran = [];
    const { port, srv } = await served(async (req, res) => {
      ran.push(req.url);
      if (req.url === '/slow') {
        arrived();
        await gate;
      }
      res.end(`ok ${req.url}`);
    });
    const c = rawClient(port);
    c.send('/1');
    await within(c.next(), 5000, 'the first answer');
    const shut = srv.shutdown({ idleGrace: 60_000 });
    // One write: /slow's head is unsent when /b and /c arrive behind it.
    c.sock.write(
      'GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\nGET /c HTTP/1.1\r\nHost: x\r\n\r\n',
    );
    await within(slowArrived, 5000, 'the handler of /slow');
    await until(() => ran.length === 4, 5000, 'the pipelined handlers to run (Node runs them at once)');
    release();
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await within(c.next(), 5000, `pipelined answer ${i + 1}`));
    // Node has run every handler: a close after /slow would drop two
    // answers whose work is done.
    expect(answers.map((a) => [a.body, a.headers.connection])).to.deep.equal([
      ['ok /slow', 'keep-alive'],
      ['ok /b', 'keep-alive'],
      ['ok /c', 'keep-alive'],
    ]);
    c.send('/d');
    const d = await within(c.next(), 5000, 'the answer after the queue');
    expect([d.body, d.headers.connection]).to.deep.equal(['ok /d', 'close']);
    await within(Promise.all([c.closed, shut]), 5000, 'the close and shutdown()');
  });

  describe('the diagnostics channel subscription', () => {
    const start = dc.channel('http.server.request.start');
    before(function () {
      // Only the package's own subscription can be seen this way.
      if (start.hasSubscribers)
        return skip(this, 'something else in this process subscribes to http.server.request.start');
    });

    it('is gone once shutdown() resolves', async () => {
      const { port, srv } = await served();
      const c = rawClient(port);
      c.send('/1');
      await within(c.next(), 5000, 'the first answer');
      const shut = srv.shutdown({ idleGrace: 100 });
      expect(start.hasSubscribers, 'subscribed while draining').to.equal(true);
      await within(shut, 5000, 'shutdown()');
      expect(start.hasSubscribers).to.equal(false);
    });

    it('is gone after an aborted shutdown() and close()', async () => {
      const { port, srv } = await served();
      const c = rawClient(port);
      c.send('/1');
      await within(c.next(), 5000, 'the first answer');
      const err = await srv.shutdown({ idleGrace: 60_000, signal: AbortSignal.timeout(50) }).catch((e) => e);
      expect(err).to.include({ name: 'AbortError' });
      expect(start.hasSubscribers, 'still draining after the abort').to.equal(true);
      await within(srv.close(), 5000, 'close()');
      expect(start.hasSubscribers).to.equal(false);
    });

    it('a throwing server.close() leaves no drain behind; shutdown() works once it no longer throws', async () => {
      const { port, srv, server } = await served();
      const c = rawClient(port);
      c.send('/1');
      await within(c.next(), 5000, 'the first answer');
      server.close = () => {
        throw new Error('close refused');
      };
      expect(thrown(() => srv.shutdown()).message).to.equal('close refused');
      expect(start.hasSubscribers, 'a drain subscribed though the close failed').to.equal(false);
      c.send('/2');
      expect((await within(c.next(), 5000, 'an answer')).headers.connection).to.equal('keep-alive');
      delete server.close;
      await within(srv.shutdown({ idleGrace: 100 }), 5000, 'shutdown()');
      expect(start.hasSubscribers).to.equal(false);
    });
  });

  it('another http server in the process, not draining, keeps keep-alive while one drains', async () => {
    let release;
    let arrived;
    const gate = new Promise((r) => (release = r));
    const slowArrived = new Promise((r) => (arrived = r));
    const { port, srv } = await served(async (req, res) => {
      arrived();
      await gate;
      res.end('slow');
    });
    const other = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => res.end(`other ${req.url}`));
    await new Promise((r) => other.listen(0, '127.0.0.1', r));
    try {
      const held = rawClient(port);
      held.send('/slow');
      await within(slowArrived, 5000, 'the handler of /slow');
      const shut = srv.shutdown({ idleGrace: 100 });
      const c = rawClient(other.address().port);
      for (const p of ['/a', '/b']) {
        c.send(p);
        const r = await within(c.next(), 5000, `the other server's answer to ${p}`);
        expect(r).to.deep.include({ status: 200, body: `other ${p}` });
        expect(r.headers.connection).to.equal('keep-alive');
      }
      await sleep(400);
      expect(c.sock.destroyed, "the drain closed the other server's idle connection").to.equal(false);
      release();
      expect((await within(held.next(), 5000, 'the slow answer')).headers.connection).to.equal('close');
      await within(shut, 5000, 'shutdown()');
      c.sock.destroy();
    } finally {
      other.closeAllConnections();
      await new Promise((r) => other.close(r));
    }
  });
});
