// Listeners in worker threads: the acceptor uses the worker's own event
// loop, and a worker that exits with a listener open and an accept pending
// releases the socket (Node-API async cleanup hook) without crashing.
import { expect } from './expect.mjs';
import { Worker } from 'node:worker_threads';
import { dial, within, destroyAll, fdCount, socketsOnPort, until, repoRoot } from './helpers.mjs';

const code = `
const { parentPort } = require('node:worker_threads');
const { listen } = require(${JSON.stringify(repoRoot)});
listen('tcp', '127.0.0.1:0').then(async (ln) => {
  parentPort.postMessage({ port: ln.addr().port });
  const conn = await ln.accept();
  conn.end('from worker');
  parentPort.postMessage({ accepted: true });
  ln.accept(); // left pending on purpose: the worker exits with it
});`;

describe('worker threads', function () {
  it('accepts inside a worker, and a worker exiting with an open listener leaks nothing', async function () {
    const before = fdCount();
    for (let round = 0; round < 3; round++) {
      const w = new Worker(code, { eval: true });
      const exit = new Promise((r) => w.once('exit', r));
      const next = () => new Promise((r) => w.once('message', r));
      let port;
      try {
        ({ port } = await within(next(), 5000, 'the worker listener'));
        const c = dial(port);
        let data = '';
        c.sock.on('data', (d) => (data += d));
        const ended = new Promise((r) => c.sock.on('end', r));
        try {
          await within(next(), 5000, 'the worker accept');
          await within(ended, 5000, 'the reply');
          expect(data).to.equal('from worker');
        } finally {
          destroyAll([c]);
        }
      } finally {
        await w.terminate();
      }
      expect(await exit).to.equal(1);
      // The port is free again once the worker's listener is gone.
      const again = dial(port);
      expect(await within(again.connected, 3000, 'connect to the dead port')).to.equal(false);
      expect(again.error.code).to.equal('ECONNREFUSED');
    }
    await until(() => fdCount() <= before + 2, 3000, 'descriptors released');
  });

  it('a worker terminated with connections taken from the kernel but not accepted closes them', async function () {
    if (process.platform !== 'linux') {
      console.log('    skipped: matches descriptors to ports through /proc/net/tcp (Linux)');
      this.skip();
    }
    // One accept() takes a batch of up to Listener.acceptBatch from the
    // kernel; the rest wait in the listener. A worker that ends without
    // close() must not leave them open in the process.
    const held = `
      const { parentPort } = require('node:worker_threads');
      const { ListenConfig } = require(${JSON.stringify(repoRoot)});
      new ListenConfig({ backlog: 16 }).listen('tcp', '127.0.0.1:0').then(async (ln) => {
        parentPort.postMessage({ port: ln.addr().port });
        await new Promise((r) => parentPort.once('message', r));
        (await ln.accept()).destroy();
        parentPort.postMessage({ queued: ln.queued() });
      });`;
    for (let round = 0; round < 3; round++) {
      const w = new Worker(held, { eval: true });
      const next = () => within(new Promise((r) => w.once('message', r)), 5000, 'the worker');
      const clients = [];
      let port;
      try {
        ({ port } = await next());
        for (let i = 0; i < 4; i++) clients.push(dial(port));
        await within(Promise.all(clients.map((c) => c.connected)), 3000, '4 connects');
        w.postMessage('go');
        // 3 left in the listener: taken by the batch, or still in the kernel.
        expect(await next()).to.deep.equal({ queued: 3 });
      } finally {
        await w.terminate();
        destroyAll(clients);
      }
      // The worker shares this process's descriptor table.
      expect(socketsOnPort(port), `descriptors left open on port ${port}`).to.equal(0);
    }
  });

  it('a worker terminated with unixgram and unixpacket reads pending closes their sockets, without an abort', async function () {
    if (process.platform === 'win32') {
      console.log('    skipped: unix message sockets are refused on Windows');
      this.skip();
    }
    const { listenPacket, dialUnix } = await import('listenconfig');
    const src = `
const { parentPort, threadId } = require('node:worker_threads');
const { listenPacket, listen } = require(${JSON.stringify(repoRoot)});
(async () => {
  const g = await listenPacket('unixgram', '');
  const path = require('node:os').tmpdir() + '/lc-worker-' + process.pid + '-' + threadId + '.sock';
  const ln = await listen('unixpacket', path);
  parentPort.postMessage({ gram: String(g.localAddr()), packet: path });
  const c = await ln.accept();
  g.readFrom(Buffer.alloc(8));
  c.read(Buffer.alloc(8));
  parentPort.postMessage({ reading: true });
})();`;
    const before = fdCount();
    for (let round = 0; round < 3; round++) {
      const w = new Worker(src, { eval: true });
      const next = () => new Promise((r) => w.once('message', r));
      const exit = new Promise((r) => w.once('exit', r));
      const { gram, packet } = await within(next(), 5000, 'the worker sockets');
      const c = await dialUnix('unixpacket', packet);
      await within(next(), 5000, 'the worker reading');
      await w.terminate();
      expect(await exit).to.equal(1);
      // The worker's sockets are gone: its unixgram name refuses, its
      // connection reads end of file.
      const s = await listenPacket('unixgram', '');
      const e = await s.writeTo(Buffer.from('x'), gram).catch((e) => e);
      expect(e.code).to.equal('ECONNREFUSED');
      expect(await within(c.read(Buffer.alloc(8)), 3000, 'EOF from the dead worker')).to.equal(0);
      await s.close();
      await c.close();
      (await import('node:fs')).rmSync(packet, { force: true });
    }
    await until(() => fdCount() <= before + 2, 3000, 'descriptors released');
  });
});
