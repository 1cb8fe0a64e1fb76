// TestCloseWindows: Go's close semantics on a SOCKET listener.
import { expect } from '../expect.mjs';
import { ListenConfig, listen, ErrClosed } from 'listenconfig';
import { within, destroyAll } from '../helpers.mjs';
import { onlyWindows, client } from './helpers.mjs';

describe('Windows: close', function () {
  before(function () {
    onlyWindows(this);
  });

  it("a pending accept() rejects with ErrClosed and Go's text; a second close() rejects", async function () {
    const ln = await listen('tcp', '127.0.0.1:0');
    const addr = ln.addr().toString();
    const pending = ln.accept().then(
      () => undefined,
      (e) => e,
    );
    await ln.close();
    const err = await within(pending, 5000, 'the pending accept() to reject');
    expect(err?.name).to.equal('OpError');
    expect(err.err).to.equal(ErrClosed);
    expect(err.message).to.equal(`accept tcp ${addr}: use of closed network connection`);
    const again = await ln.close().then(
      () => undefined,
      (e) => e,
    );
    expect(again?.message).to.equal(`close tcp ${addr}: use of closed network connection`);
    expect(() => ln.syscallConn().control(() => {})).to.throw(
      `raw-control tcp ${addr}: use of closed network connection`,
    );
  });

  it('close() releases the port: the same address listens again at once', async function () {
    const ln = await listen('tcp4', '127.0.0.1:0');
    const port = ln.addr().port;
    await ln.close();
    const ln2 = await listen('tcp4', `127.0.0.1:${port}`);
    expect(ln2.addr().port).to.equal(port);
    await ln2.close();
  });

  it('connections waiting in the queue are dropped by close(); later connects are refused', async function () {
    const ln = await new ListenConfig({ backlog: 4 }).listen('tcp4', '127.0.0.1:0');
    const port = ln.addr().port;
    const waiting = [client(port), client(port)];
    try {
      await within(Promise.all(waiting.map((c) => c.ready)), 5000, 'two connects');
      await ln.close();
      // Each queued client sees its connection end (reset or FIN).
      await within(Promise.all(waiting.map((c) => c.ended)), 5000, 'the queued connections to close');
      const late = client(port);
      waiting.push(late);
      expect(await within(late.ready, 10000, 'the late connect to fail')).to.equal(false);
      expect(late.error.code).to.equal('ECONNREFUSED');
    } finally {
      destroyAll(waiting);
    }
  });

  it('accept() after close() rejects at once', async function () {
    const ln = await listen('tcp4', '127.0.0.1:0');
    await ln.close();
    const err = await ln.accept().then(
      () => undefined,
      (e) => e,
    );
    expect(err?.err).to.equal(ErrClosed);
  });

  it('an accepted net.Socket outlives the listener', async function () {
    const ln = await listen('tcp4', '127.0.0.1:0');
    const c = client(ln.addr().port);
    try {
      const conn = await within(ln.accept(), 5000, 'accept()');
      await ln.close();
      conn.end('still here');
      expect(await within(c.ended, 5000, 'the reply after close')).to.equal('still here');
    } finally {
      c.sock.destroy();
    }
  });
});
