// Go's Temporary/Timeout on accept errors, and what connections() does
// with each kind. Errors are built from real errno values; the listener is
// real, with its accept() replaced on the instance only where this machine
// cannot make the kernel fail that way on demand (ENOBUFS, EINVAL).
import { expect } from 'chai';
import * as os from 'node:os';
import { listen, OpError, SyscallError, ErrClosed } from 'listenconfig';

const E = os.constants.errno;
const acceptError = (name, op = 'accept') => new OpError(op, 'tcp', undefined, new SyscallError(op, -E[name]));

describe('accept errors: temporary() and timeout() as Go', function () {
  const cases = [
    // [errno, temporary, timeout] as Go 1.19's syscall.Errno on Linux
    ['EINTR', true, false],
    ['EMFILE', true, false],
    ['ENFILE', true, false],
    ['EAGAIN', true, true],
    ['ETIMEDOUT', true, true],
    ['ECONNABORTED', true, false], // Go issue 6163: from accept only
    ['ECONNRESET', true, false],
    ['ENOBUFS', false, false],
    ['ENOMEM', false, false],
    ['EINVAL', false, false],
    ['EBADF', false, false],
  ];
  for (const [name, temporary, timeout] of cases) {
    it(`accept ${name}: temporary() ${temporary}, timeout() ${timeout}`, function () {
      const e = acceptError(name);
      expect(e.code).to.equal(name);
      expect(e.temporary()).to.equal(temporary);
      expect(e.timeout()).to.equal(timeout);
    });
  }
  it('ECONNRESET outside accept is not temporary (Go: only accept treats a reset as passing)', function () {
    expect(acceptError('ECONNRESET', 'read').temporary()).to.equal(false);
  });
  it('ErrClosed is neither', function () {
    const e = new OpError('accept', 'tcp', undefined, ErrClosed);
    expect([e.temporary(), e.timeout()]).to.deep.equal([false, false]);
  });
});

describe('connections(): retry, report, end', function () {
  let ln;
  beforeEach(async function () {
    ln = await listen('tcp', '127.0.0.1:0');
  });
  afterEach(async function () {
    await ln.close().catch(() => {});
  });

  // The first `errors.length` accepts fail with these; later ones are real.
  // connections() takes its connections through the engine's internal
  // acceptInto (a callback, no promise of its own), accept() elsewhere.
  function failFirst(...names) {
    const real = ln.accept.bind(ln);
    const realInto = ln.acceptInto.bind(ln);
    const queue = [...names];
    ln.accept = (o) => (queue.length > 0 ? Promise.reject(acceptError(queue.shift())) : real(o));
    ln.acceptInto = (resolve, reject) =>
      queue.length > 0 ? reject(acceptError(queue.shift())) : realInto(resolve, reject);
  }

  it('retries EMFILE, ENOBUFS and ECONNABORTED with 5, 10, 20 ms pauses, reporting each, then yields', async function () {
    failFirst('EMFILE', 'ENOBUFS', 'ECONNABORTED');
    const seen = [];
    const it = ln.connections({ onError: (e, ms) => seen.push([e.code, ms]) })[Symbol.asyncIterator]();
    const next = it.next();
    const { createConnection } = await import('node:net');
    const c = createConnection(ln.addr().port, '127.0.0.1');
    const r = await next;
    expect(seen).to.deep.equal([
      ['EMFILE', 5],
      ['ENOBUFS', 10],
      ['ECONNABORTED', 20],
    ]);
    expect(r.done).to.equal(false);
    r.value.destroy();
    c.destroy();
  });

  it('a non-temporary error ends the loop by throwing it', async function () {
    failFirst('EINVAL');
    const seen = [];
    let thrown;
    try {
      for await (const conn of ln.connections({ onError: (e) => seen.push(e) })) conn.destroy();
    } catch (e) {
      thrown = e;
    }
    expect(thrown).to.be.instanceOf(OpError);
    expect(thrown.code).to.equal('EINVAL');
    expect(seen).to.deep.equal([]);
  });

  it('close() during a pause ends the loop at once, not after the pause', async function () {
    failFirst(...Array(12).fill('EMFILE')); // pauses grow to 1 s
    const loop = (async () => {
      for await (const conn of ln.connections({ onError: () => {} })) conn.destroy();
    })();
    await new Promise((r) => setTimeout(r, 1400)); // inside the 1 s pause
    const t0 = performance.now();
    await ln.close();
    await loop;
    expect(performance.now() - t0).to.be.below(200);
  });

  it('without onError, each retry is a process warning', async function () {
    failFirst('EMFILE');
    const warned = new Promise((r) => process.once('warning', r));
    const it = ln.connections()[Symbol.asyncIterator]();
    const next = it.next();
    const w = await warned;
    expect(w.code).to.equal('LISTENCONFIG_ACCEPT_RETRY');
    expect(w.name).to.equal('ListenConfigWarning');
    expect(w.message).to.match(/^Accept error: accept tcp: accept: too many open files; retrying in 5 ms$/);
    await ln.close();
    expect((await next).done).to.equal(true);
  });

  it('options are checked', function () {
    expect(() => ln.connections({ onError: 5 }))
      .to.throw(TypeError)
      .with.property('code', 'ERR_INVALID_ARG_TYPE');
    expect(() => ln.connections(null))
      .to.throw(TypeError)
      .with.property('code', 'ERR_INVALID_ARG_TYPE');
  });
});

describe('an unref()ed listener or server does not wait out a retry pause', function () {
  // A child whose accepts all fail with EMFILE (pauses grow to 1 s): once
  // unref'd, nothing else holds it, so it exits at once.
  const child = (body) => `
    import * as http from 'node:http';
    import * as os from 'node:os';
    import { listen, serve, OpError, SyscallError } from 'listenconfig';
    const ln = await listen('tcp', '127.0.0.1:0');
    const emfile = () => new OpError('accept', 'tcp', undefined, new SyscallError('accept', -os.constants.errno.EMFILE));
    ln.accept = () => Promise.reject(emfile());
    ln.acceptInto = (resolve, reject) => reject(emfile());
    ${body}
    setTimeout(() => process.stdout.write('unref'), 300).unref();`;
  for (const [what, body] of [
    [
      'connections()',
      '(async () => { for await (const c of ln.connections({ onError() {} })) c.destroy(); })(); setTimeout(() => ln.unref(), 100);',
    ],
    [
      'serve()',
      'const server = http.createServer(); serve(ln, server, { onError() {} }); setTimeout(() => server.unref(), 100);',
    ],
  ]) {
    it(`${what}: the process exits soon after unref()`, async function () {
      const { spawnSync } = await import('node:child_process');
      const t0 = performance.now();
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', child(body)], {
        encoding: 'utf8',
        timeout: 10_000,
      });
      const ms = performance.now() - t0;
      expect(r.status, r.stderr).to.equal(0);
      // The pauses reach 1 s by ~1.3 s; a ref'd pause would keep it alive
      // until ln.accept() had failed for good, i.e. forever.
      expect(ms).to.be.below(3000);
    });
  }
});
