// maxConcurrent and limitListener: with K connections open no accept is
// issued, so the next clients wait in the kernel's queue (backlog + 1 of
// them complete the handshake, the rest retransmit their SYN) and are
// served as slots free: back-pressure, where maxConnections closes.
import { expect } from './expect.mjs';
import * as net from 'node:net';
import { ListenConfig, limitListener, listen, serve, OpError, ErrClosed } from 'listenconfig';
import { dial, destroyAll, until, within } from './helpers.mjs';

const linux = process.platform === 'linux';

// K held connections, then K+3 more clients on a backlog-1 listener.
async function overload(ln, served, K) {
  const first = [];
  for (let i = 0; i < K; i++) {
    first.push(dial(ln.addr().port));
    await until(() => served.length === i + 1, 5000, `connection ${i + 1} served`);
  }
  const waiting = [dial(ln.addr().port), dial(ln.addr().port), dial(ln.addr().port)];
  // Two fit the kernel's queue (backlog 1 holds 2); the third's SYN is dropped.
  await within(Promise.all([waiting[0].connected, waiting[1].connected]), 5000, 'two handshakes into the queue');
  await new Promise((r) => setTimeout(r, 300));
  expect(served.length, 'no accept while K are open').to.equal(K);
  expect(waiting[2].done, 'the queue is full: the third client is still in SYN-SENT').to.equal(false);
  if (linux) expect(ln.queued(), 'waiting in the kernel, not in this process').to.equal(2);
  return { first, waiting };
}

describe('maxConcurrent and limitListener: back-pressure through the kernel queue', function () {
  it('serve(…, { maxConcurrent: 2 }): a third client waits in the kernel queue and is served once one closes', async function () {
    const ln = await new ListenConfig({ backlog: 1 }).listen('tcp', '127.0.0.1:0');
    const served = [];
    let open = 0;
    let most = 0;
    const server = net.createServer((c) => {
      served.push(c);
      most = Math.max(most, ++open);
      c.on('close', () => open--);
      c.on('error', () => {});
    });
    const s = serve(ln, server, { maxConcurrent: 2 });
    const { first, waiting } = await overload(ln, served, 2);
    first[0].sock.destroy();
    await until(() => served.length === 3, 5000, 'a queued client to be served after a slot freed');
    // The dropped SYN is retransmitted (after ~1 s) and finds room now.
    await within(waiting[2].connected, 5000, "the third waiting client's retransmitted SYN");
    destroyAll([...first, ...waiting]);
    await until(() => served.length === 5, 5000, 'every client served in turn');
    expect(most, 'never more than maxConcurrent open').to.be.at.most(2);
    await s.close();
  });

  it('limitListener(ln, 2) without serve(): the same, with a plain accept loop', async function () {
    const ln = await new ListenConfig({ backlog: 1 }).listen('tcp', '127.0.0.1:0');
    const lim = limitListener(ln, 2);
    expect(lim.addr()).to.equal(ln.addr());
    expect(lim.backlog).to.deep.equal(ln.backlog);
    const served = [];
    const loop = (async () => {
      for await (const c of lim) {
        served.push(c);
        c.on('error', () => {});
      }
    })();
    const { first, waiting } = await overload(lim, served, 2);
    expect(lim.active).to.equal(2);
    served[0].destroy(); // the server side closes this time
    await until(() => served.length === 3, 5000, 'a queued client after a slot freed');
    destroyAll([...first, ...waiting]);
    for (const c of served) c.destroy();
    await lim.close();
    await loop;
  });

  it('a slot frees exactly once per connection, whether it ends, errors or is destroyed twice', async function () {
    const ln = await listen('tcp', '127.0.0.1:0');
    const lim = limitListener(ln, 2);
    const clients = [dial(ln.addr().port), dial(ln.addr().port)];
    const a = await lim.accept();
    const b = await lim.accept();
    expect(lim.active).to.equal(2);
    a.on('error', () => {});
    a.destroy(new Error('boom'));
    a.destroy();
    b.end();
    clients[1].sock.end();
    await until(() => lim.active === 0, 5000, 'both slots to free');
    await new Promise((r) => setTimeout(r, 20));
    expect(lim.active, 'not below zero: free never exceeds the limit').to.equal(0);
    // Two slots, so two accepts proceed and a third waits.
    const more = [dial(ln.addr().port), dial(ln.addr().port), dial(ln.addr().port)];
    const c1 = await lim.accept();
    const c2 = await lim.accept();
    let third = false;
    const p3 = lim.accept().then((c) => ((third = true), c));
    await new Promise((r) => setTimeout(r, 100));
    expect(third).to.equal(false);
    c1.destroy();
    (await within(p3, 5000, 'the third accept after a slot freed')).destroy();
    c2.destroy();
    destroyAll([...clients, ...more]);
    await lim.close();
  });

  it('an accept waiting for a slot: AbortError on its signal; closed error (Go text) on close(); close() twice rejects', async function () {
    const ln = await listen('tcp', '127.0.0.1:0');
    const lim = limitListener(ln, 1);
    const client = dial(ln.addr().port);
    const held = await lim.accept();
    const ac = new AbortController();
    const aborted = lim.accept({ signal: ac.signal }).catch((e) => e);
    ac.abort();
    expect(await aborted).to.include({ name: 'AbortError', code: 'ABORT_ERR' });
    const waiting = lim.accept().catch((e) => e);
    await lim.close();
    const err = await waiting;
    expect(err).to.be.instanceOf(OpError);
    expect(err.err).to.equal(ErrClosed);
    expect(err.message).to.equal(`accept tcp ${ln.addr()}: use of closed network connection`);
    const again = await lim.close().catch((e) => e);
    expect(again.message).to.equal(`close tcp ${ln.addr()}: use of closed network connection`);
    expect(held.destroyed, 'open connections are left open, as in Go').to.equal(false);
    held.destroy();
    destroyAll([client]);
  });

  it('validates its arguments', async function () {
    const ln = await listen('tcp', '127.0.0.1:0');
    expect(() => limitListener(ln, 0))
      .to.throw(RangeError, /"n" is out of range/)
      .with.property('code', 'ERR_OUT_OF_RANGE');
    expect(() => limitListener(ln, 2.5))
      .to.throw(RangeError)
      .with.property('code', 'ERR_OUT_OF_RANGE');
    expect(() => limitListener(ln, '2'))
      .to.throw(TypeError, /"n" argument must be of type number/)
      .with.property('code', 'ERR_INVALID_ARG_TYPE');
    expect(() => limitListener({ accept() {} }, 2))
      .to.throw(TypeError, /"ln" argument/)
      .with.property('code', 'ERR_INVALID_ARG_TYPE');
    await ln.close();
  });
});
