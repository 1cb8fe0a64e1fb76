// TestListenerClose: Go's close semantics on a pull-based listener.
import { expect } from './expect.mjs';
import { ListenConfig, listen, OpError, ErrClosed } from 'listenconfig';
import { dial, within, destroyAll, fdCount, until, repoRoot } from './helpers.mjs';

describe('Listener close', function () {
  it("pending accepts reject with an OpError wrapping ErrClosed, in Go's text", async function () {
    const ln = await listen('tcp', '127.0.0.1:0');
    const port = ln.addr().port;
    const pending = [ln.accept(), ln.accept()];
    await ln.close();
    for (const p of pending) {
      const err = await p.then(
        () => undefined,
        (e) => e,
      );
      expect(err).to.be.instanceOf(OpError);
      expect(err.err).to.equal(ErrClosed);
      expect(err.message).to.equal(`accept tcp 127.0.0.1:${port}: use of closed network connection`);
    }
    const later = await ln.accept().then(
      () => undefined,
      (e) => e,
    );
    expect(later.message).to.equal(`accept tcp 127.0.0.1:${port}: use of closed network connection`);
  });

  it("a second close rejects, as Go's does", async function () {
    const ln = await listen('tcp', ':0');
    await ln.close();
    const err = await ln.close().then(
      () => undefined,
      (e) => e,
    );
    expect(err).to.be.instanceOf(OpError);
    expect(err.err).to.equal(ErrClosed);
    expect(err.message).to.equal(`close tcp [::]:${ln.addr().port}: use of closed network connection`);
  });

  it('for await ends when the listener closes', async function () {
    const ln = await listen('tcp', '127.0.0.1:0');
    const client = dial(ln.addr().port);
    const got = [];
    const loop = (async () => {
      for await (const conn of ln) {
        got.push(conn.remoteAddress);
        conn.destroy();
        setImmediate(() => ln.close());
      }
      return 'ended';
    })();
    expect(await within(loop, 3000, 'the loop to end')).to.equal('ended');
    expect(got).to.deep.equal(['127.0.0.1']);
    destroyAll([client]);
  });

  it('frees the port and the descriptors, including connections taken from the kernel but not accepted', async function () {
    const ln0 = await new ListenConfig({ backlog: 16 }).listen('tcp', '127.0.0.1:0');
    await ln0.close();
    const before = fdCount();
    const ln = await new ListenConfig({ backlog: 16 }).listen('tcp', '127.0.0.1:0');
    const port = ln.addr().port;
    const clients = [];
    for (let i = 0; i < 6; i++) clients.push(dial(port));
    await within(Promise.all(clients.map((c) => c.connected)), 3000, 'connects');
    await until(() => ln.queued() === 6, 1000, 'queued() === 6');
    (await ln.accept()).destroy(); // the batch takes the other five too
    await ln.close();
    await until(() => fdCount() === before, 2000, 'descriptors back to the count before listen');
    const again = await listen('tcp', `127.0.0.1:${port}`);
    expect(again.addr().port).to.equal(port);
    await again.close();
    destroyAll(clients);
  });

  it('an aborted accept rejects with AbortError and leaves the listener usable', async function () {
    const ln = await listen('tcp', '127.0.0.1:0');
    try {
      const ac = new AbortController();
      const p = ln.accept({ signal: ac.signal });
      ac.abort();
      const err = await p.then(
        () => undefined,
        (e) => e,
      );
      expect(err.name).to.equal('AbortError');
      expect(err.code).to.equal('ABORT_ERR');
      const client = dial(ln.addr().port);
      const conn = await within(ln.accept(), 3000, 'accept after abort');
      conn.destroy();
      destroyAll([client]);
    } finally {
      await ln.close();
    }
  });

  it('syscallConn().control throws after close', async function () {
    const ln = await listen('tcp', '127.0.0.1:0');
    const rc = ln.syscallConn();
    expect(rc.control((fd) => typeof fd)).to.equal('number');
    await ln.close();
    expect(() => rc.control(() => 0)).to.throw(
      OpError,
      `raw-control tcp 127.0.0.1:${ln.addr().port}: use of closed network connection`,
    );
  });

  it("a pending accept keeps the process alive, unless unref'd", async function () {
    const { spawnSync } = await import('node:child_process');
    const script = (unref) => `
      const { listen } = require(${JSON.stringify(repoRoot)});
      listen('tcp', '127.0.0.1:0').then((ln) => {
        ${unref ? 'ln.unref();' : ''}
        ln.accept();
        setTimeout(() => { console.log('alive'); process.exit(0); }, 300).unref();
      });`;
    const held = spawnSync(process.execPath, ['-e', script(false)], { encoding: 'utf8', timeout: 10000 });
    expect(held.stdout.trim()).to.equal('alive');
    const free = spawnSync(process.execPath, ['-e', script(true)], { encoding: 'utf8', timeout: 10000 });
    expect(free.status).to.equal(0);
    expect(free.stdout.trim()).to.equal('');
  });

  it('a listener with no accept pending does not keep the process alive, after accepts too', async function () {
    const { spawnSync } = await import('node:child_process');
    // The watcher stays registered for a while after an accept resolves
    // (src-native/acceptor.h); it must not hold the event loop then.
    const script = `
      const net = require('node:net');
      const { listen } = require(${JSON.stringify(repoRoot)});
      listen('tcp', '127.0.0.1:0').then(async (ln) => {
        const c = net.connect(ln.addr().port, '127.0.0.1');
        c.on('error', () => {});
        (await ln.accept()).destroy();
        c.destroy();
        setTimeout(() => { console.log('alive'); process.exit(0); }, 500).unref();
      });`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 10000 });
    expect(r.status).to.equal(0);
    expect(r.stdout.trim()).to.equal('');
  });
});
