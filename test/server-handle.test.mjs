// lib/server-handle.ts: the net.Server internals serve() relies on, checked
// by behaviour on the running Node. A failure here names the internal a
// Node release changed; lib/server-handle.ts (and only it) must follow.
import * as dc from 'node:diagnostics_channel';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import { expect } from 'chai';
import { listen } from 'listenconfig';
import {
  countConnection,
  hasHandle,
  httpSockets,
  installHandle,
  keepingIdle,
  installPipeHandle,
  overMaxConnections,
} from '../dist/server-handle.js';

const changed = (what) => `Node ${process.version} changed ${what} (lib/server-handle.ts must follow)`;

function standIn() {
  const calls = [];
  return {
    calls,
    close: (...a) => calls.push(['close', a.length]),
    getsockname: (out) => {
      calls.push(['getsockname']);
      Object.assign(out, { address: '127.0.0.1', family: 'IPv4', port: 4242 });
      return 0;
    },
    ref: () => calls.push(['ref']),
    unref: () => calls.push(['unref']),
  };
}

// A connected pair: the accepted side is a net.Socket no server owns yet.
async function acceptedPair() {
  const ln = await listen('tcp', '127.0.0.1:0');
  const client = net.connect(ln.addr().port, '127.0.0.1');
  client.on('error', () => {});
  const conn = await ln.accept();
  await ln.close();
  return { client, conn };
}

const connections = (server) =>
  new Promise((resolve, reject) => server.getConnections((e, n) => (e ? reject(e) : resolve(n))));

describe(`net.Server internals serve() relies on (Node ${process.version})`, function () {
  it('a handle without getsockname: address() is _pipeName (the path), listening is true', function () {
    const server = net.createServer();
    const h = standIn();
    delete h.getsockname;
    installPipeHandle(server, h, '/run/app.sock');
    expect(server.listening, changed('net.Server#listening for a pipe')).to.equal(true);
    expect(server.address(), changed('net.Server#address() for a pipe (_pipeName)')).to.equal('/run/app.sock');
    server.close();
    expect(h.calls).to.deep.equal([['close', 0]]);
  });

  it('listening, listen() and address() go by _handle and its getsockname(out)', function () {
    const server = net.createServer();
    const h = standIn();
    installHandle(server, h, 4, '127.0.0.1', 4242);
    expect(server.listening, changed('net.Server#listening (no longer !!_handle)')).to.equal(true);
    expect(hasHandle(server, h)).to.equal(true);
    expect(server.address(), changed('net.Server#address (no longer _handle.getsockname(out))')).to.deep.equal({
      address: '127.0.0.1',
      family: 'IPv4',
      port: 4242,
    });
    expect(() => server.listen(0), changed('net.Server#listen (no longer refuses while _handle is set)'))
      .to.throw()
      .with.property('code', 'ERR_SERVER_ALREADY_LISTEN');
    server.close();
  });

  it('ref()/unref() call the handle, and an unref() before listening carries over', function () {
    const server = net.createServer();
    server.unref();
    const h = standIn();
    installHandle(server, h, 4, '127.0.0.1', 4242);
    expect(h.calls, changed('net.Server#unref (no longer remembered as _unref)')).to.deep.equal([['unref']]);
    server.ref();
    server.unref();
    expect(h.calls.slice(1), changed('net.Server#ref/#unref (no longer call _handle.ref/unref)')).to.deep.equal([
      ['ref'],
      ['unref'],
    ]);
    server.close();
  });

  it("close() calls _handle.close() with no arguments, drops the handle, and emits 'close' when no connection is left", async function () {
    const server = net.createServer();
    const h = standIn();
    installHandle(server, h, 4, '127.0.0.1', 4242);
    const closed = new Promise((resolve) => server.close(resolve));
    expect(h.calls, changed('net.Server#close (no longer calls _handle.close())')).to.deep.equal([['close', 0]]);
    expect(server._handle, changed('net.Server#close (no longer sets _handle = null)')).to.equal(null);
    expect(hasHandle(server, h)).to.equal(false);
    expect(await closed, changed('net.Server#close (callback no longer called without an error)')).to.equal(undefined);
  });

  it('getConnections() counts _connections; a socket uncounts itself on destroy through _server and lets close() finish', async function () {
    const server = net.createServer();
    installHandle(server, standIn(), 4, '127.0.0.1', 4242);
    const { client, conn } = await acceptedPair();
    countConnection(server, conn);
    expect(await connections(server), changed('net.Server#getConnections (no longer reads _connections)')).to.equal(1);
    let closed = false;
    server.close(() => (closed = true));
    await new Promise((r) => setImmediate(r));
    expect(closed, changed("net.Server#close ('close' no longer waits for _connections)")).to.equal(false);
    conn.destroy();
    await new Promise((r) => conn.on('close', r));
    expect(
      await connections(server),
      changed('net.Socket#_destroy (no longer decrements _server._connections)'),
    ).to.equal(0);
    await new Promise((r) => setImmediate(r));
    expect(closed, changed('net.Socket#_destroy (no longer calls _server._emitCloseIfDrained)')).to.equal(true);
    client.destroy();
  });

  for (const max of [0, 1]) {
    it(`maxConnections = ${max}: serve()'s drop rule is what net's own accept path does`, async function () {
      const real = net.createServer((s) => s.end('served'));
      real.maxConnections = max;
      await new Promise((r) => real.listen(0, '127.0.0.1', r));
      const served = await new Promise((resolve) => {
        const c = net.connect(real.address().port, '127.0.0.1');
        let data = '';
        c.on('data', (d) => (data += d));
        c.on('error', () => {});
        c.on('close', () => resolve(data === 'served'));
      });
      await new Promise((r) => real.close(r));
      const s = net.createServer();
      s.maxConnections = max;
      expect(
        overMaxConnections(s),
        changed(
          `onconnection's maxConnections test (a first connection at ${max} is ${served ? 'served' : 'dropped'})`,
        ),
      ).to.equal(!served);
    });
  }

  it("http.Server starts its connection tracking (closeIdleConnections, headersTimeout) from 'listening'", async function () {
    const server = http.createServer((req, res) => res.end('ok'));
    installHandle(server, standIn(), 4, '127.0.0.1', 4242);
    server.emit('listening');
    const { client, conn } = await acceptedPair();
    countConnection(server, conn);
    server.emit('connection', conn);
    // A keep-alive connection between requests is idle; a fresh one is not.
    client.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((r) => client.once('data', r));
    server.closeIdleConnections();
    await new Promise((r) => setImmediate(r));
    expect(
      conn.destroyed,
      changed(
        "http.Server's 'listening' handler (setupConnectionsTracking no longer makes the list closeIdleConnections reads)",
      ),
    ).to.equal(true);
    client.destroy();
    server.close();
  });

  it("https.Server has the same 'listening' handler as http.Server", function () {
    const name = (s) => s.listeners('listening').map((f) => f.name);
    expect(name(https.createServer()), changed("https.Server's 'listening' handler")).to.deep.equal(
      name(http.createServer()),
    );
  });
  it("http.Server keeps its connections' parsers in a list under Symbol('http.server.connections'), each with its socket", async function () {
    const server = http.createServer((req, res) => res.end('ok'));
    installHandle(server, standIn(), 4, '127.0.0.1', 4242);
    server.emit('listening');
    const { client, conn } = await acceptedPair();
    countConnection(server, conn);
    server.emit('connection', conn);
    expect(httpSockets(server), changed('the connections list (http.server.connections) or its all()')).to.deep.equal([
      conn,
    ]);
    client.destroy();
    server.close();
  });

  it('http.server.request.start carries the server, socket and a response whose shouldKeepAlive, set there, makes the answer say close and ends the connection', async function () {
    const server = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => res.end('ok'));
    installHandle(server, standIn(), 4, '127.0.0.1', 4242);
    server.emit('listening');
    const { client, conn } = await acceptedPair();
    countConnection(server, conn);
    let seen;
    // The drain's use of the message (lib/shutdown.ts): before any handler.
    const onStart = (m) => {
      if (m.server !== server) return;
      seen = { socket: m.socket === conn, keepAlive: m.response.shouldKeepAlive, sent: m.response.headersSent };
      m.response.shouldKeepAlive = false;
    };
    dc.subscribe('http.server.request.start', onStart);
    try {
      server.emit('connection', conn);
      let text = '';
      client.setEncoding('latin1');
      client.on('data', (d) => (text += d));
      const ended = new Promise((r) => client.on('end', r));
      const answered = new Promise((r) => client.on('data', () => text.endsWith('ok') && r()));
      client.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      await answered;
      expect(
        seen,
        changed('the http.server.request.start message (server, socket, response before its head)'),
      ).to.deep.equal({ socket: true, keepAlive: true, sent: false });
      expect(text, changed("http (a subscriber's response.shouldKeepAlive = false no longer says close)")).to.match(
        /\r\nConnection: close\r\n/i,
      );
      const end = await Promise.race([ended.then(() => 'ended'), new Promise((r) => setTimeout(r, 2000, 'open'))]);
      expect(end, changed('http (a response with shouldKeepAlive false no longer ends the connection)')).to.equal(
        'ended',
      );
    } finally {
      dc.unsubscribe('http.server.request.start', onStart);
      client.destroy();
      server.close();
    }
  });

  it("http.Server#close() closes idle connections through the instance's closeIdleConnections (the drain shadows it)", async function () {
    const server = http.createServer((req, res) => res.end('ok'));
    installHandle(server, standIn(), 4, '127.0.0.1', 4242);
    server.emit('listening');
    const { client, conn } = await acceptedPair();
    countConnection(server, conn);
    server.emit('connection', conn);
    client.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((r) => client.once('data', r));
    keepingIdle(server, () => server.close());
    await new Promise((r) => setImmediate(r));
    expect(
      conn.destroyed,
      changed('http.Server#close() (it no longer closes idle connections through this.closeIdleConnections)'),
    ).to.equal(false);
    expect(Object.hasOwn(server, 'closeIdleConnections')).to.equal(false);
    server.closeIdleConnections();
    await new Promise((r) => setImmediate(r));
    expect(conn.destroyed).to.equal(true);
    client.destroy();
  });
});
