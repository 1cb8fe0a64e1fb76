// Accept errors under serve(): EMFILE (descriptors exhausted) is retried
// with Go's backoff and costs next to no CPU, while the waiting clients
// stay whole in the kernel queue and are all served once descriptors
// free; a fatal error ends serving with 'error'; close() ends a pause.
import { expect } from './expect.mjs';
import { spawn, spawnSync } from 'node:child_process';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { listen, serve, OpError, SyscallError } from 'listenconfig';
import { until, within, skip } from './helpers.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..');
const child = path.join(here, 'fixtures', 'serve-emfile-child.cjs');
const havePrlimit = spawnSync('prlimit', ['--version']).status === 0;

// Runs the child under 64 descriptors, connects n clients, and returns the
// child's reports and what each client received.
async function exhaust(n, holdMs, mode) {
  const p = spawn('prlimit', ['--nofile=64', process.execPath, child, repo, String(n), String(holdMs), mode], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  p.stderr.on('data', (d) => (err += d));
  const lines = [];
  const port = await within(
    new Promise((resolve, reject) => {
      p.stdout.on('data', (d) => {
        out += d;
        for (;;) {
          const i = out.indexOf('\n');
          if (i < 0) break;
          const o = JSON.parse(out.slice(0, i));
          out = out.slice(i + 1);
          lines.push(o);
          if (o.port) resolve(o.port);
        }
      });
      p.on('exit', (code) => reject(new Error(`child exited ${code}: ${err}`)));
    }),
    10000,
    'the child to listen',
  );
  const replies = await within(
    Promise.all(
      Array.from(
        { length: n },
        () =>
          new Promise((resolve) => {
            let d = '';
            const c = net.connect(port, '127.0.0.1');
            c.on('data', (x) => (d += x));
            c.on('error', (e) => (d += ` ${e.code}`));
            c.on('close', () => resolve(d));
          }),
      ),
    ),
    20000,
    'every client to be answered',
  );
  const code = await within(
    new Promise((r) => (p.exitCode !== null ? r(p.exitCode) : p.on('exit', r))),
    10000,
    'the child to exit',
  );
  expect(code, err).to.equal(0);
  return {
    replies,
    exhausted: lines.find((l) => l.phase === 'exhausted'),
    recovered: lines.find((l) => l.phase === 'recovered'),
    stderr: err,
  };
}

describe('serve(): accept errors', function () {
  this.timeout(40000);

  it('EMFILE under prlimit --nofile=64, 200 clients: every one served once descriptors free, onError sees EMFILE, the loop sleeps meanwhile', async function () {
    if (!havePrlimit) skip(this, 'prlimit (util-linux) is not installed');
    const { replies, exhausted, recovered } = await exhaust(200, 1500, 'hook');
    expect(replies.filter((r) => r === 'ok').length, 'no client dropped or reset').to.equal(200);
    expect(recovered.seen.EMFILE).to.be.above(0);
    expect(recovered.seen.other).to.deep.equal([]);
    // Go's backoff: 5, 10, 20 … ms, at most 1 s.
    expect(recovered.seen.delays.slice(0, 3)).to.deep.equal([5, 10, 20]);
    expect(Math.max(...recovered.seen.delays)).to.be.at.most(1000);
    const share = exhausted.cpuMs / exhausted.wallMs;
    console.log(
      `      EMFILE: ${exhausted.held} held, CPU ${exhausted.cpuMs.toFixed(1)} ms over ${exhausted.wallMs.toFixed(0)} ms exhausted (${(share * 100).toFixed(1)}%), ` +
        `${recovered.seen.EMFILE} retries, all ${recovered.served} served ${recovered.recoveryMs.toFixed(0)} ms after descriptors freed`,
    );
    expect(share, 'CPU share while exhausted').to.be.below(0.2);
    expect(recovered.recoveryMs, 'recovery: at most one 1 s pause, then the queue drains').to.be.below(5000);
  });

  it("without onError, each retry is a process warning in the words of Go's log line", async function () {
    if (!havePrlimit) skip(this, 'prlimit (util-linux) is not installed');
    const { replies, recovered } = await exhaust(80, 200, 'warn');
    expect(replies.filter((r) => r === 'ok').length).to.equal(80);
    expect(recovered.seen.first).to.match(
      /^ListenConfigWarning: Accept error: accept tcp 127\.0\.0\.1:\d+: accept: too many open files; retrying in 5 ms$/,
    );
  });

  // A Listener wrapped so that accept() fails as the kernel would; the
  // sockets and the server are real.
  function failing(ln, errFor) {
    let calls = 0;
    return {
      calls: () => calls,
      accept: (o) => (++calls, errFor(calls) ? Promise.reject(errFor(calls)) : ln.accept(o)),
      close: () => ln.close(),
      addr: () => ln.addr(),
    };
  }
  const acceptError = (ln, errno) => new OpError('accept', 'tcp', ln.addr(), new SyscallError('accept', errno));

  it("a non-temporary accept error ends serving: 'error' on the server, the listener closed, 'close' after", async function () {
    const ln = await listen('tcp', '127.0.0.1:0');
    const err = acceptError(ln, -os.constants.errno.EINVAL);
    const server = net.createServer();
    const events = [];
    server.on('error', (e) => events.push(['error', e]));
    server.on('close', () => events.push(['close']));
    serve(
      failing(ln, () => err),
      server,
    );
    await until(() => events.length === 2, 5000, "'error' and 'close'");
    expect(events.map((e) => e[0])).to.deep.equal(['error', 'close']);
    expect(events[0][1]).to.equal(err);
    expect(ln.queued()).to.equal(undefined); // closed
  });

  it('close() during a backoff pause ends the loop at once: no accept after it, and the process can exit', async function () {
    // In a child: a pause left running would hold the process up to 1 s.
    const script = `
      const net = require('node:net');
      const { listen, serve, OpError, SyscallError } = require(${JSON.stringify(repo)});
      listen('tcp', '127.0.0.1:0').then((ln) => {
        const emfile = new OpError('accept', 'tcp', ln.addr(), new SyscallError('accept', -${os.constants.errno.EMFILE}));
        let calls = 0;
        const wrapped = { accept: () => (calls++, Promise.reject(emfile)), close: () => ln.close(), addr: () => ln.addr() };
        const s = serve(wrapped, net.createServer(), {
          onError: (e, ms) => {
            if (ms < 640) return;
            const at = calls;
            s.close().then(() => {
              process.on('exit', () => console.log(JSON.stringify({ after: calls - at, pausedMs: ms })));
              console.log('closed');
            });
          },
        });
      });
    `;
    const p = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    let closedAt;
    p.stdout.on('data', (d) => {
      out += d;
      if (out.includes('closed')) closedAt ??= performance.now();
    });
    expect(await within(new Promise((r) => p.on('exit', r)), 10000, 'the child to exit')).to.equal(0);
    const exitMs = performance.now() - closedAt;
    const r = JSON.parse(out.trim().split('\n').pop());
    expect(r.after, 'no accept after close()').to.equal(0);
    expect(exitMs, `the child exits at once, not after the ${r.pausedMs} ms pause`).to.be.below(r.pausedMs / 2);
  });
});
