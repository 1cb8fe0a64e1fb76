// Deadlines on listeners and message sockets, as Go's SetDeadline (its
// tests in timeout_test.go: TestAcceptTimeout, TestAcceptTimeoutMustReturn,
// TestAcceptTimeoutMustNotReturn, TestReadFromTimeout; and TestAcceptError
// in error_test.go). A timed-out accept takes nothing from the kernel's
// queue: the connection waits for the next accept.
import { expect } from './expect.mjs';
import * as net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listen, listenPacket, dialUnix, OpError, ErrClosed, ErrDeadlineExceeded } from 'listenconfig';
import { until, within } from './helpers.mjs';

// A connected client socket (the handshake done, so the connection is in the queue).
function dial(port) {
  return new Promise((resolve, reject) => {
    const c = net.connect({ port, host: '127.0.0.1' }, () => resolve(c));
    c.once('error', reject);
  });
}
const destroyAll = (clients) => {
  for (const c of clients) {
    c.on('error', () => {});
    c.destroy();
  }
};

const ms = (n) => new Date(Date.now() + n);

function expectTimeout(e, re) {
  expect(e).to.be.instanceOf(OpError);
  expect(e.err).to.equal(ErrDeadlineExceeded);
  expect(e.timeout()).to.equal(true);
  expect(e.temporary()).to.equal(true);
  expect(e.code).to.equal('ETIMEDOUT');
  if (re) expect(e.message).to.match(re);
}

describe('deadlines (Go: SetDeadline on listeners and packet connections)', function () {
  let ln;
  afterEach(async () => {
    await ln?.close().catch(() => {});
    ln = undefined;
  });

  describe('TestAcceptTimeout', function () {
    it('a deadline in the past fails accept at once, twice, with connections waiting; they stay queued', async function () {
      ln = await listen('tcp', '127.0.0.1:0');
      const port = ln.addr().port;
      const clients = [await dial(port), await dial(port)];
      try {
        if (process.platform === 'linux') await until(() => ln.queued() === 2, 2000, 'two queued');
        ln.setDeadline(ms(-5000));
        for (let i = 0; i < 2; i++) {
          const e = await within(ln.accept(), 1000, 'accept with a past deadline').catch((e) => e);
          expectTimeout(e);
          expect(e.message).to.equal(`accept tcp 127.0.0.1:${port}: i/o timeout`);
        }
        if (process.platform === 'linux') expect(ln.queued()).to.equal(2);
        ln.setDeadline(null);
        for (let i = 0; i < 2; i++) (await within(ln.accept(), 2000, 'accept after reset')).destroy();
      } finally {
        destroyAll(clients);
      }
    });

    it('a 50 ms deadline: a waiting connection is accepted, the next accept times out', async function () {
      ln = await listen('tcp', '127.0.0.1:0');
      const c = await dial(ln.addr().port);
      try {
        ln.setDeadline(ms(50));
        (await within(ln.accept(), 1000, 'accept')).destroy();
        const t0 = Date.now();
        const e = await within(ln.accept(), 2000, 'the timeout').catch((e) => e);
        expectTimeout(e, /^accept tcp 127\.0\.0\.1:\d+: i\/o timeout$/);
        expect(Date.now() - t0).to.be.below(1000);
      } finally {
        c.destroy();
      }
    });
  });

  it('TestAcceptTimeoutMustReturn: a pending accept returns once the deadline moves into the past', async function () {
    ln = await listen('tcp', '127.0.0.1:0');
    ln.setDeadline(null);
    ln.setDeadline(ms(-1));
    const e = await within(ln.accept(), 1000, 'accept').catch((e) => e);
    expectTimeout(e);
    // A pending accept, then the deadline set in the past: it fails at once.
    ln.setDeadline(null);
    const pending = ln.accept();
    ln.setDeadline(new Date(0));
    expectTimeout(await within(pending, 1000, 'pending accept').catch((e) => e));
  });

  it('TestAcceptTimeoutMustNotReturn: with the deadline reset, accept waits (then close ends it)', async function () {
    ln = await listen('tcp', '127.0.0.1:0');
    ln.setDeadline(ms(-1));
    ln.setDeadline(null);
    const pending = ln.accept();
    const outcome = await Promise.race([
      pending.then(
        () => 'accepted',
        (e) => e,
      ),
      new Promise((r) => setTimeout(() => r('waiting'), 150)),
    ]);
    expect(outcome).to.equal('waiting');
    await ln.close();
    expect((await pending.catch((e) => e)).err).to.equal(ErrClosed);
  });

  it('a connection arriving while accept waits, before the deadline, is accepted and not lost', async function () {
    ln = await listen('tcp', '127.0.0.1:0');
    ln.setDeadline(ms(2000));
    const pending = ln.accept();
    const c = await dial(ln.addr().port);
    try {
      const s = await within(pending, 1500, 'accept');
      expect(s).to.be.instanceOf(net.Socket);
      s.destroy();
    } finally {
      c.destroy();
    }
  });

  it('connections racing the deadline are either accepted or left queued, never lost (200 rounds)', async function () {
    this.timeout(30_000);
    ln = await listen('tcp', '127.0.0.1:0');
    const port = ln.addr().port;
    let accepted = 0;
    const clients = [];
    for (let i = 0; i < 200; i++) {
      ln.setDeadline(ms(i % 3));
      const p = ln.accept().then(
        (s) => {
          accepted++;
          s.destroy();
        },
        (e) => expectTimeout(e),
      );
      clients.push(await dial(port));
      await p;
    }
    ln.setDeadline(null);
    while (accepted < 200) {
      (await within(ln.accept(), 2000, `connection ${accepted + 1} of 200`)).destroy();
      accepted++;
    }
    destroyAll(clients);
  });

  // TestAcceptError is in spec/go-net/error.spec.mjs, with Go's other error tests.

  it("connections() retries a timed-out accept as Go's servers do (temporary), and ends at close", async function () {
    ln = await listen('tcp', '127.0.0.1:0');
    ln.setDeadline(ms(-1));
    const errors = [];
    const it = ln.connections({ onError: (e) => errors.push(e) })[Symbol.asyncIterator]();
    const next = it.next();
    await until(() => errors.length >= 1, 2000, 'a retried timeout');
    expectTimeout(errors[0]);
    ln.setDeadline(null);
    const c = await dial(ln.addr().port);
    const r = await within(next, 3000, 'the connection after reset');
    r.value.destroy();
    c.destroy();
  });

  it("argument errors are Node's: a Date or null", async function () {
    ln = await listen('tcp', '127.0.0.1:0');
    for (const bad of [undefined, 5, '2026-01-01', {}]) {
      expect(() => ln.setDeadline(bad))
        .to.throw(TypeError)
        .with.property('code', 'ERR_INVALID_ARG_TYPE');
    }
    expect(() => ln.setDeadline(new Date('x')))
      .to.throw(TypeError)
      .with.property('code', 'ERR_INVALID_ARG_VALUE');
  });

  describe('unix, unixpacket and unixgram', function () {
    let dir;
    before(function () {
      if (process.platform === 'win32') {
        console.log('    skipped: unix sockets are refused on Windows');
        this.skip();
      }
      dir = mkdtempSync(join(tmpdir(), 'lc-deadline-'));
    });
    after(() => dir && rmSync(dir, { recursive: true, force: true }));

    for (const network of ['unix', 'unixpacket']) {
      it(`${network} listener: accept times out with Go's text, and accepts after a reset`, async function () {
        const path = join(dir, `${network}.sock`);
        ln = await listen(network, path);
        ln.setDeadline(ms(30));
        expectTimeout(await ln.accept().catch((e) => e), new RegExp(`^accept ${network} ${path}: i/o timeout$`));
        ln.setDeadline(null);
        const pending = ln.accept();
        const c = network === 'unix' ? net.connect(path) : await dialUnix('unixpacket', path);
        const s = await within(pending, 2000, 'accept');
        network === 'unix' ? (s.destroy(), c.destroy()) : (await s.close(), await c.close());
      });
    }

    it('TestReadFromTimeout: readFrom fails after the read deadline; a past deadline at once; reset reads again', async function () {
      const path = join(dir, 'gram.sock');
      const c = await listenPacket('unixgram', path);
      const peer = await listenPacket('unixgram', '');
      try {
        c.setReadDeadline(ms(40));
        const t0 = Date.now();
        expectTimeout(
          await c.readFrom(Buffer.alloc(4)).catch((e) => e),
          new RegExp(`^read unixgram ${path}: i/o timeout$`),
        );
        expect(Date.now() - t0).to.be.at.least(30);
        // Data waiting does not beat a past deadline (Go checks the deadline first).
        await peer.writeTo(Buffer.from('x'), path);
        c.setDeadline(ms(-1000));
        expectTimeout(await c.readFrom(Buffer.alloc(4)).catch((e) => e));
        c.setDeadline(null);
        const r = await within(c.readFrom(Buffer.alloc(4)), 1000, 'readFrom after reset');
        expect(r.n).to.equal(1);
        // A write deadline does not touch reads.
        c.setWriteDeadline(ms(-1));
        expectTimeout(await c.writeTo(Buffer.from('y'), String(peer.localAddr())).catch((e) => e));
        const pending = c.readFrom(Buffer.alloc(4));
        await peer.writeTo(Buffer.from('z'), path);
        expect((await within(pending, 1000, 'read')).n).to.equal(1);
      } finally {
        await c.close();
        await peer.close();
      }
    });

    it('a pending read is woken by a read deadline set after it started', async function () {
      const c = await listenPacket('unixgram', '');
      try {
        const p = c.readFrom(Buffer.alloc(4));
        c.setReadDeadline(ms(20));
        expectTimeout(await within(p, 1000, 'timeout').catch((e) => e));
      } finally {
        await c.close();
      }
    });
  });
});
