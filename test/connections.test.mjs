// connections() as an async iterator (lib/connections.ts): it is written by
// hand for the accept path's sake (issue 13), so what an async generator
// gave for free is checked here: calls made while a next() waits are
// queued behind it, return() and throw() end the iteration, an onError
// that throws ends it too, and each for-await gets its own iterator.
import { expect } from 'chai';
import * as os from 'node:os';
import { listen, OpError, SyscallError } from 'listenconfig';
import { destroyAll, dial, within } from '../spec/helpers.mjs';

const EMFILE = () => new OpError('accept', 'tcp', undefined, new SyscallError('accept', -os.constants.errno.EMFILE));

describe("connections(): the iterator keeps an async generator's rules", function () {
  let ln;
  const clients = [];
  beforeEach(async function () {
    ln = await listen('tcp', '127.0.0.1:0');
  });
  afterEach(async function () {
    destroyAll(clients.splice(0));
    await ln.close().catch(() => {});
  });

  it('return() while a next() waits settles after that next(), which gets the connection', async function () {
    const it = ln.connections()[Symbol.asyncIterator]();
    const order = [];
    const next = it.next().then((r) => (order.push('next'), r));
    const ret = it.return().then((r) => (order.push('return'), r));
    await new Promise((r) => setImmediate(r));
    expect(order, 'return() must wait for the pending next()').to.deep.equal([]);
    clients.push(dial(ln.addr().port));
    const got = await within(next, 3000, 'the pending next()');
    expect(got.done).to.equal(false);
    expect(got.value.remoteAddress).to.equal('127.0.0.1');
    got.value.destroy();
    expect(await within(ret, 3000, 'return()')).to.deep.equal({ value: undefined, done: true });
    expect(order).to.deep.equal(['next', 'return']);
    expect(await it.next()).to.deep.equal({ value: undefined, done: true });
  });

  it('next() calls made without awaiting are served one after another, in order', async function () {
    const it = ln.connections()[Symbol.asyncIterator]();
    const results = [it.next(), it.next(), it.next()];
    const port = ln.addr().port;
    for (let i = 0; i < 3; i++) clients.push(dial(port));
    const got = await within(Promise.all(results), 3000, 'three connections');
    expect(got.map((r) => r.done)).to.deep.equal([false, false, false]);
    expect(new Set(got.map((r) => r.value.remotePort)).size, 'three different connections').to.equal(3);
    for (const r of got) r.value.destroy();
  });

  it('a next() queued behind one that ends at close() is done too', async function () {
    const it = ln.connections()[Symbol.asyncIterator]();
    const a = it.next();
    const b = it.next();
    await ln.close();
    expect(await a).to.deep.equal({ value: undefined, done: true });
    expect(await b).to.deep.equal({ value: undefined, done: true });
  });

  it('after a retried EMFILE, two next() calls still settle in the order they were made', async function () {
    const real = ln.acceptInto.bind(ln);
    let calls = 0;
    ln.acceptInto = (resolve, reject) => (calls++ === 0 ? reject(EMFILE()) : real(resolve, reject));
    const it = ln.connections({ onError() {} })[Symbol.asyncIterator]();
    const order = [];
    const a = it.next().then((r) => (order.push('a'), r));
    const b = it.next().then((r) => (order.push('b'), r));
    const port = ln.addr().port;
    clients.push(dial(port), dial(port));
    const got = await within(Promise.all([a, b]), 3000, 'two connections');
    expect(order).to.deep.equal(['a', 'b']);
    for (const r of got) r.value.destroy();
  });

  it("onError runs in the async context the loop started in (AsyncLocalStorage), even when the kernel's error comes from the native callback", async function () {
    const { AsyncLocalStorage } = await import('node:async_hooks');
    const als = new AsyncLocalStorage();
    const real = ln.acceptInto.bind(ln);
    let calls = 0;
    // The failure arrives later, from outside the loop's context.
    ln.acceptInto = (resolve, reject) =>
      calls++ === 0 ? als.exit(() => setImmediate(() => reject(EMFILE()))) : real(resolve, reject);
    const seen = [];
    const loop = als.run('loop', async () => {
      for await (const c of ln.connections({ onError: () => seen.push(als.getStore()) })) {
        c.destroy();
        break;
      }
    });
    clients.push(dial(ln.addr().port));
    await within(loop, 3000, 'the loop');
    expect(seen).to.deep.equal(['loop']);
  });

  it('throw() rejects with its argument and ends the iteration', async function () {
    const it = ln.connections()[Symbol.asyncIterator]();
    const boom = new Error('boom');
    const err = await it.throw(boom).then(
      () => undefined,
      (e) => e,
    );
    expect(err).to.equal(boom);
    expect(await it.next()).to.deep.equal({ value: undefined, done: true });
  });

  it('an onError that throws ends the loop with its error', async function () {
    // connections() accepts through the engine's internal acceptInto.
    const real = ln.acceptInto.bind(ln);
    let calls = 0;
    ln.acceptInto = (resolve, reject) => (calls++ === 0 ? reject(EMFILE()) : real(resolve, reject));
    const mine = new Error('from onError');
    let thrown;
    try {
      for await (const c of ln.connections({
        onError: () => {
          throw mine;
        },
      }))
        c.destroy();
    } catch (e) {
      thrown = e;
    }
    expect(thrown).to.equal(mine);
    expect(calls, 'no accept after the throwing onError').to.equal(1);
  });

  it('each for await gets its own iterator, which is its own async iterable', function () {
    const a = ln[Symbol.asyncIterator]();
    const b = ln[Symbol.asyncIterator]();
    expect(a).to.not.equal(b);
    expect(a[Symbol.asyncIterator]()).to.equal(a);
  });

  it('breaking out of for await leaves the listener open and a new loop accepts', async function () {
    const port = ln.addr().port;
    clients.push(dial(port));
    for await (const c of ln) {
      c.destroy();
      break;
    }
    clients.push(dial(port));
    for await (const c of ln) {
      c.destroy();
      break;
    }
    expect(ln.queued()).to.equal(0);
  });
});
