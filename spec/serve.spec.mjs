// serve(ln, server): every kind of Node server, fed by a Listener, behaves
// as after server.listen(), with real clients. The protections http.Server
// hangs on listen() (timeouts, maxConnections, close) are in
// serve-protections.spec.mjs; limits and EMFILE in their own files.
import { expect } from './expect.mjs';
import { spawn, spawnSync } from 'node:child_process';
import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as https from 'node:https';
import * as net from 'node:net';
import * as tls from 'node:tls';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import Fastify from 'fastify';
import { WebSocketServer, WebSocket } from 'ws';
import { listen, serve } from 'listenconfig';
import { within, skip } from './helpers.mjs';
import { localhostCert, certSkipReason } from './tls-cert.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// Resolves with the body of one h2 request on `client`.
function h2get(client, p) {
  return new Promise((resolve, reject) => {
    const req = client.request({ ':path': p });
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (d) => (data += d));
    req.on('end', () => resolve(data));
    req.on('error', reject);
    req.end();
  });
}

function httpsGet(url, ca) {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca, agent: false }, (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (data += d));
        res.on('end', () => resolve(data));
      })
      .on('error', reject);
  });
}

describe('serve(ln, server): servers behave as after listen()', function () {
  it("http + fetch: 'listening' on a later tick, address(), listening, and server.close() closes the listener", async function () {
    const ln = await listen('tcp', '127.0.0.1:0');
    const server = http.createServer((req, res) => res.end(`hello ${req.url}`));
    let listened = false;
    server.on('listening', () => (listened = true));
    const s = serve(ln, server);
    expect(listened, "'listening' is emitted asynchronously, as net does").to.equal(false);
    if (!listened) await within(new Promise((r) => server.once('listening', r)), 2000, "'listening'");
    expect(server.listening).to.equal(true);
    expect(server.address()).to.deep.equal({ address: '127.0.0.1', family: 'IPv4', port: ln.addr().port });
    const bodies = await Promise.all([1, 2, 3].map((i) => fetch(`http://${ln.addr()}/${i}`).then((r) => r.text())));
    expect(bodies).to.deep.equal(['hello /1', 'hello /2', 'hello /3']);
    // http.Server#close() closes the idle keep-alive connections fetch left.
    await within(new Promise((r) => server.close(r)), 5000, 'server.close()');
    expect(server.listening).to.equal(false);
    expect(ln.queued()).to.equal(undefined); // the listener is closed
    await s.close(); // and the handle's close() is then a no-op that resolves
  });

  it("server.close() in the same tick as serve(): no 'listening', as net skips it for a handle closed by then", async function () {
    const ln = await listen('tcp', '127.0.0.1:0');
    const server = net.createServer();
    const events = [];
    server.on('listening', () => events.push('listening'));
    server.on('close', () => events.push('close'));
    serve(ln, server);
    server.close();
    await new Promise((r) => setTimeout(r, 20));
    expect(events).to.deep.equal(['close']);
  });

  it("address() answers in Node's form for an IPv6 listener", async function () {
    let ln;
    try {
      ln = await listen('tcp6', '[::1]:0');
    } catch (e) {
      skip(this, `no IPv6 loopback here: ${e.message}`);
    }
    const server = net.createServer();
    const s = serve(ln, server);
    expect(server.address()).to.deep.equal({ address: '::1', family: 'IPv6', port: ln.addr().port });
    await s.close();
  });

  it("a server's allowHalfOpen holds: it can still answer after the client's FIN", async function () {
    const ln = await listen('tcp', '127.0.0.1:0');
    // The Listener's sockets are made with net.Socket's default (false).
    const server = net.createServer({ allowHalfOpen: true }, (c) => {
      c.resume();
      c.on('end', () => setTimeout(() => c.end('after your FIN'), 50));
    });
    const s = serve(ln, server);
    const c = net.connect(ln.addr().port, '127.0.0.1');
    c.end('bye');
    let got = '';
    c.on('data', (d) => (got += d));
    c.on('error', (e) => (got += ` ${e.code}`));
    await within(new Promise((r) => c.on('close', r)), 5000, 'the reply');
    expect(got).to.equal('after your FIN');
    await s.close();
  });

  it('https (self-signed, made by openssl now)', async function () {
    const pem = localhostCert();
    if (!pem) skip(this, certSkipReason);
    const ln = await listen('tcp', '127.0.0.1:0');
    const s = serve(
      ln,
      https.createServer(pem, (req, res) => res.end(`tls ${req.url}`)),
    );
    try {
      expect(await within(httpsGet(`https://localhost:${ln.addr().port}/a`, pem.cert), 5000, 'the response')).to.equal(
        'tls /a',
      );
    } finally {
      await s.close();
    }
  });

  it('http2, secure and plain (h2c)', async function () {
    const pem = localhostCert();
    const kinds = [['h2c', http2.createServer(), 'http', {}]];
    if (pem) kinds.push(['h2', http2.createSecureServer(pem), 'https', { ca: pem.cert }]);
    else console.log(`      (h2 over TLS skipped: ${certSkipReason})`);
    for (const [name, server, scheme, opts] of kinds) {
      server.on('stream', (stream, headers) => {
        stream.respond({ ':status': 200 });
        stream.end(`${name} ${headers[':path']}`);
      });
      const ln = await listen('tcp', '127.0.0.1:0');
      const s = serve(ln, server);
      const client = http2.connect(`${scheme}://localhost:${ln.addr().port}`, opts);
      client.on('error', () => {});
      try {
        expect(await within(h2get(client, '/x'), 5000, `the ${name} response`)).to.equal(`${name} /x`);
        // shutdown() asks the session to finish (GOAWAY) and resolves once it has.
        await within(s.shutdown(), 5000, `shutdown() of the ${name} server`);
      } finally {
        client.destroy();
        await s.close();
      }
    }
  });

  it('tls and plain net servers', async function () {
    const pem = localhostCert();
    const ln = await listen('tcp', '127.0.0.1:0');
    const s = serve(
      ln,
      net.createServer((c) => c.end('net says hi')),
    );
    const got = await within(
      new Promise((resolve) => {
        let d = '';
        net
          .connect(ln.addr().port, '127.0.0.1')
          .on('data', (x) => (d += x))
          .on('end', () => resolve(d));
      }),
      5000,
      'the net reply',
    );
    expect(got).to.equal('net says hi');
    await s.close();
    if (!pem) skip(this, certSkipReason);
    const tln = await listen('tcp', '127.0.0.1:0');
    const ts = serve(
      tln,
      tls.createServer(pem, (c) => c.end('tls says hi')),
    );
    const tgot = await within(
      new Promise((resolve, reject) => {
        let d = '';
        tls
          .connect({ port: tln.addr().port, host: '127.0.0.1', servername: 'localhost', ca: pem.cert })
          .on('data', (x) => (d += x))
          .on('end', () => resolve(d))
          .on('error', reject);
      }),
      5000,
      'the tls reply',
    );
    expect(tgot).to.equal('tls says hi');
    await ts.close();
  });

  it('express through http.createServer(app)', async function () {
    const app = express();
    app.get('/json', (req, res) => res.json({ ok: true, remote: req.socket.remoteAddress }));
    const ln = await listen('tcp', '127.0.0.1:0');
    const s = serve(ln, http.createServer(app));
    try {
      expect(await (await fetch(`http://${ln.addr()}/json`)).json()).to.deep.equal({ ok: true, remote: '127.0.0.1' });
    } finally {
      await s.close();
    }
  });

  it('fastify: serve(ln, app.server) after ready(); after app.close() the process exits at once', async function () {
    this.timeout(20000);
    // Measured: on Node 18, fastify 5's app.close() never resolves after a
    // fetch() even when app.listen() made the server; fastify 5 wants Node 20.
    if (Number(process.versions.node.split('.')[0]) < 20) skip(this, 'fastify 5 supports Node 20 and later');
    // In a child, so that "no handle left" means the process really exits.
    const script = `
      const Fastify = require(${JSON.stringify(path.join(repo, 'node_modules', 'fastify'))});
      const { listen, serve } = require(${JSON.stringify(repo)});
      (async () => {
        const app = Fastify();
        app.get('/ping', async () => ({ pong: 1 }));
        await app.ready();
        const ln = await listen('tcp', '127.0.0.1:0');
        serve(ln, app.server);
        const body = await (await fetch('http://' + ln.addr() + '/ping')).json();
        await app.close();
        const left = process.getActiveResourcesInfo().filter((r) => !['PipeWrap', 'TTYWrap', 'Immediate'].includes(r));
        console.log(JSON.stringify({ body, listening: app.server.listening, left }));
      })();
    `;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    let closedAt;
    child.stdout.on('data', (d) => {
      out += d;
      closedAt ??= performance.now();
    });
    const code = await within(new Promise((r) => child.on('exit', r)), 15000, 'the child to exit');
    const exitMs = performance.now() - closedAt;
    expect(code).to.equal(0);
    const r = JSON.parse(out.trim());
    expect(r.body).to.deep.equal({ pong: 1 });
    expect(r.listening).to.equal(false);
    // fetch's own keep-alive socket may still be closing; nothing of the server's is left.
    expect(r.left.filter((x) => x !== 'TCPSocketWrap')).to.deep.equal([]);
    expect(exitMs, 'the child exits promptly after app.close()').to.be.below(2000);
  });

  it('fastify with serverFactory: the server it returns is served', async function () {
    let made;
    const app = Fastify({ serverFactory: (handler) => (made = http.createServer(handler)) });
    app.get('/f', async () => 'factory');
    await app.ready();
    const ln = await listen('tcp', '127.0.0.1:0');
    const s = serve(ln, made);
    try {
      expect(await (await fetch(`http://${ln.addr()}/f`)).text()).to.equal('factory');
    } finally {
      // fastify closes a factory's server only if it listened itself.
      await app.close();
      await s.close();
    }
  });

  it('ws: new WebSocketServer({ server }); close() ends the upgraded connection too', async function () {
    const server = http.createServer();
    const wss = new WebSocketServer({ server });
    wss.on('connection', (ws) => ws.on('message', (m) => ws.send(`echo ${m}`)));
    const ln = await listen('tcp', '127.0.0.1:0');
    const s = serve(ln, server);
    const ws = new WebSocket(`ws://${ln.addr()}`);
    const reply = await within(
      new Promise((resolve, reject) => {
        ws.on('open', () => ws.send('hi'));
        ws.on('message', (m) => resolve(String(m)));
        ws.on('error', reject);
      }),
      5000,
      'the echo',
    );
    expect(reply).to.equal('echo hi');
    const closed = new Promise((r) => ws.on('close', r));
    await within(s.close(), 5000, 'close()');
    await within(closed, 5000, 'the WebSocket to close');
    wss.close();
  });

  it('server.unref() lets the process exit while serving; ref() keeps it', function () {
    const script = (unref) => `
      const net = require('node:net');
      const { listen, serve } = require(${JSON.stringify(repo)});
      listen('tcp', '127.0.0.1:0').then((ln) => {
        const server = net.createServer();
        serve(ln, server);
        ${unref ? 'server.unref();' : 'server.unref(); server.ref(); setTimeout(() => process.exit(7), 1500).unref();'}
      });
    `;
    const free = spawnSync(process.execPath, ['-e', script(true)], { encoding: 'utf8', timeout: 10000 });
    expect(free.status, free.stderr).to.equal(0);
    const held = spawnSync(process.execPath, ['-e', script(false)], { encoding: 'utf8', timeout: 10000 });
    expect(held.status, 'a ref()d server keeps the process alive until the exit timer').to.equal(7);
  });
});
