// Accepted connections are plain net.Sockets: real servers (http, http2,
// express, fastify, ws) fed by serve(), hit by real clients. (The old
// recipe, server.emit('connection', conn) from an accept loop, left
// fastify's keep-alive socket open 70 s after the suite: issue 10.)
import { expect } from './expect.mjs';
import * as http from 'node:http';
import * as http2 from 'node:http2';
import express from 'express';
import Fastify from 'fastify';
import { WebSocketServer, WebSocket } from 'ws';
import { listen, serve } from 'listenconfig';
import { within } from './helpers.mjs';

// Go's `srv.Serve(ln)`, with a Node server.
async function serveOn(server) {
  const ln = await listen('tcp', '127.0.0.1:0');
  const serving = serve(ln, server);
  return { url: `http://${ln.addr()}`, ln, close: () => serving.close() };
}

describe('real clients against servers fed by Listener.accept', function () {
  it('http + fetch: 20 requests, keep-alive and not', async function () {
    const server = http.createServer((req, res) => res.end(`hello ${req.url}`));
    const s = await serveOn(server);
    try {
      const bodies = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          fetch(`${s.url}/${i}`, i % 2 ? { headers: { connection: 'close' } } : {}).then((r) => r.text()),
        ),
      );
      expect(bodies).to.deep.equal(Array.from({ length: 20 }, (_, i) => `hello /${i}`));
    } finally {
      await s.close();
    }
  });

  it('http2 (h2c) client and server', async function () {
    const server = http2.createServer();
    server.on('stream', (stream, headers) => {
      stream.respond({ ':status': 200 });
      stream.end(`h2 ${headers[':path']}`);
    });
    const ln = await listen('tcp', '127.0.0.1:0');
    const serving = serve(ln, server);
    const client = http2.connect(`http://${ln.addr()}`);
    try {
      const body = await within(
        new Promise((resolve, reject) => {
          const req = client.request({ ':path': '/x' });
          let data = '';
          req.setEncoding('utf8');
          req.on('data', (d) => (data += d));
          req.on('end', () => resolve(data));
          req.on('error', reject);
          req.end();
        }),
        5000,
        'the h2 response',
      );
      expect(body).to.equal('h2 /x');
    } finally {
      client.close();
      await serving.close();
    }
  });

  it('express', async function () {
    const app = express();
    app.get('/json', (req, res) => res.json({ ok: true, remote: req.socket.remoteAddress }));
    const s = await serveOn(http.createServer(app));
    try {
      expect(await (await fetch(`${s.url}/json`)).json()).to.deep.equal({ ok: true, remote: '127.0.0.1' });
    } finally {
      await s.close();
    }
  });

  it('fastify', async function () {
    const app = Fastify();
    app.get('/ping', async () => ({ pong: 1 }));
    await app.ready();
    const ln = await listen('tcp', '127.0.0.1:0');
    const serving = serve(ln, app.server);
    try {
      expect(await (await fetch(`http://${ln.addr()}/ping`)).json()).to.deep.equal({ pong: 1 });
    } finally {
      // fastify's close() reaches the served server: listener and sockets.
      const closing = app.close();
      // fastify 5 wants Node 20: on 18 its close() waits out fetch's
      // keep-alive socket (Node 18's server.close() leaves idle ones open).
      if (Number(process.versions.node.split('.')[0]) < 20) await serving.close();
      await closing;
    }
  });

  it('ws: a WebSocket echo', async function () {
    const server = http.createServer();
    const wss = new WebSocketServer({ server });
    wss.on('connection', (ws) => ws.on('message', (m) => ws.send(`echo ${m}`)));
    const s = await serveOn(server);
    const ws = new WebSocket(s.url.replace('http', 'ws'));
    try {
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
    } finally {
      ws.terminate();
      wss.close();
      await s.close();
    }
  });
});
