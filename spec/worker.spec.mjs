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
  it('a worker terminated while accepting unixpacket connections closes each descriptor once', async function () {
    if (process.platform === 'win32') {
      console.log('    skipped: unix message sockets are refused on Windows');
      this.skip();
    }
    this.timeout(60000);
    // The worker accepts as fast as clients connect; the terminate lands
    // at random points of the accept callback. A socket closed twice (by
    // the accept batch's cleanup and by its connection's watcher) closes
    // the number again after this thread has reused it for a file: the
    // files opened here meanwhile must all still be open, and be the
    // files they were.
    const fs = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const { dialUnix } = await import('listenconfig');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-wdc-'));
    const file = path.join(dir, 'f');
    fs.writeFileSync(file, 'x');
    const ino = fs.statSync(file).ino;
    const src = `
const { parentPort } = require('node:worker_threads');
const { listen } = require(${JSON.stringify(repoRoot)});
(async () => {
  const ln = await listen('unixpacket', require('node:worker_threads').workerData);
  parentPort.postMessage('listening');
  const keep = [];
  for (;;) keep.push(await ln.accept());
})();`;
    const before = fdCount();
    let victims = 0;
    const deadline = Date.now() + 12000;
    for (let round = 0; round < 100 && Date.now() < deadline; round++) {
      const sock = path.join(dir, `p${round}.sock`);
      const w = new Worker(src, { eval: true, workerData: sock });
      await within(new Promise((r) => w.once('message', r)), 5000, 'the worker listener');
      const clients = [];
      for (let k = 0; k < 300; k++) clients.push(dialUnix('unixpacket', sock).catch(() => null));
      await new Promise((r) => setTimeout(r, 1 + (round % 4)));
      const mine = [];
      let stop = false;
      const opener = (async () => {
        while (!stop) mine.push(...(await Promise.all(Array.from({ length: 32 }, () => fs.promises.open(file, 'r')))));
      })();
      await w.terminate();
      stop = true;
      await opener;
      for (const fh of mine) {
        try {
          if (fs.fstatSync(fh.fd).ino !== ino) victims++;
        } catch {
          victims++;
        }
        await fh.close().catch(() => {});
      }
      for (const c of await Promise.all(clients)) await c?.close().catch(() => {});
    }
    fs.rmSync(dir, { recursive: true, force: true });
    expect(victims, "this thread's files closed or replaced underneath").to.equal(0);
    await until(() => fdCount() <= before + 2, 5000, 'descriptors released');
  });
});
