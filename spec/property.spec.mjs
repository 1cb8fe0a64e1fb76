// The front door holds: whatever a caller passes to ListenConfig and
// listen(), each call ends in a Listener or a clear error, in bounded time,
// with no unhandled rejection and no descriptor left open. Random inputs
// from fast-check; LC_PROPERTY_RUNS=5000 runs it longer (a stress suite).
import { expect } from './expect.mjs';
import fc from 'fast-check';
import dns from 'node:dns';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListenConfig, Listener, OpError, AddrError, DNSError, SyscallError, UnknownNetworkError } from 'listenconfig';
import { fdCount, until, within } from './helpers.mjs';

const RUNS = Number(process.env.LC_PROPERTY_RUNS ?? 500);
// fast-check prints the seed of a failure; LC_PROPERTY_SEED replays it.
const SEED = process.env.LC_PROPERTY_SEED === undefined ? undefined : Number(process.env.LC_PROPERTY_SEED);
const DEADLINE_MS = 5000;

// No real DNS traffic but for names that cannot leave the machine with an
// answer: localhost (/etc/hosts) and .invalid (RFC 6761). Anything else a
// generator happens to form is answered here as a name that does not exist.
const realLookup = dns.promises.lookup;
let lookups = 0;
const inFlight = new Set();
function guardedLookup(host, opts) {
  lookups++;
  if (!(host === 'localhost' || /\.invalid\.?$/i.test(host))) {
    return Promise.reject(Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' }));
  }
  // The run waits on `done`, a promise of its own: a handler on the one
  // handed to the package would hide the rejection it leaves unhandled.
  let finished;
  const done = new Promise((r) => (finished = r));
  inFlight.add(done);
  return new Promise((resolve, reject) => {
    dns.lookup(host, opts, (err, addrs) => {
      inFlight.delete(done);
      finished();
      if (err) reject(err);
      else resolve(addrs);
    });
  });
}

const portText = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('0', '', '+0', '00') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '-1',
      '65536',
      '99999',
      '99999999999999999999',
      '0x10',
      ' 5',
      'nosuchservice',
      'bootps',
      '٣',
    ),
  },
  { weight: 1, arbitrary: fc.integer({ min: 40000, max: 60999 }).map(String) },
  { weight: 1, arbitrary: fc.string({ maxLength: 4 }) },
);
const hostText = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      '',
      'localhost',
      '127.0.0.1',
      '0.0.0.0',
      '::',
      '::1',
      '::ffff:127.0.0.1',
      '::ffff:0.0.0.0',
    ),
  },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      '::1.2.3.4',
      '::2',
      '::0.0.0.1',
      '64:ff9b::1.2.3.4',
      '0:0:0:0:0:0:0:1',
      '::FFFF:7f00:1',
      '192.0.2.1',
      '127.0.0.2',
    ),
  },
  {
    weight: 3,
    arbitrary: fc.constantFrom('fe80::1%lo', '::1%lo', 'fe80::1%', 'fe80::1%nosuchif', '%lo', '127.0.0.1%lo', '::1%1'),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom('127.1', '1.2.3', '0x7f.1', '127.000.0.1', 'nosuch.invalid', 'a.b.invalid', 'LOCALHOST'),
  },
  { weight: 2, arbitrary: fc.oneof(fc.ipV4(), fc.ipV6()) },
  { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
);
const address = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.tuple(hostText, portText).map(([h, p]) => (h.includes(':') ? `[${h}]:${p}` : `${h}:${p}`)),
  },
  { weight: 2, arbitrary: fc.tuple(hostText, portText).map(([h, p]) => `${h}:${p}`) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(hostText, portText, fc.constantFrom('[%s', '%s]:', '[%s]x:', '[%s]', '[[%s]]:', '%s'))
      .map(([h, p, f]) => f.replace('%s', h) + p),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constantFrom(undefined, null, 80, {}, ['::1', 0]) },
);
const network = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('tcp', 'tcp4', 'tcp6') },
  { weight: 2, arbitrary: fc.constantFrom('tcpx', 'udp', 'udp4', 'unix', 'ip4:1', '', 'TCP', 'tcp ') },
  { weight: 1, arbitrary: fc.string({ maxLength: 5 }) },
  { weight: 1, arbitrary: fc.constantFrom(undefined, null, 6, {}, Symbol('tcp')) },
);

// Option values carry whether they are valid, so the property can say
// what must happen; controls and signals are names, built per run so a
// signal's timer starts with its call.
const good = (a) => a.map((v) => ({ v, ok: true }));
const bad = (a) => a.map((v) => ({ v, ok: false }));
const anyBad = bad(fc.constantFrom(null, 'x', '5', NaN, true, [], () => {}));
function object(fields) {
  return fc.record(fields, { requiredKeys: [] }).map((r) => {
    const v = {};
    let ok = true;
    for (const k of Object.keys(r)) {
      v[k] = r[k].v;
      ok &&= r[k].ok;
    }
    return { v, ok };
  });
}
const controls = {
  none: undefined,
  noop: () => {},
  throws: () => {
    throw new Error('boom');
  },
  throwsString: () => {
    throw 'boom';
  },
  rejects: async () => {
    throw new Error('boom');
  },
  slow: () => new Promise((r) => setTimeout(r, 5)),
};
const ms = good(fc.integer({ min: -1, max: 60000 }));
const keepAliveConfig = fc.oneof(
  object({ enable: good(fc.boolean()), idle: ms, interval: ms, count: good(fc.integer({ min: -1, max: 20 })) }),
  object({
    enable: fc.oneof(good(fc.boolean()), anyBad),
    idle: fc.oneof(ms, anyBad),
    count: anyBad,
    intervall: bad(fc.nat()),
    enabled: bad(fc.boolean()),
  }),
  anyBad,
);
const configOptions = fc.oneof(
  { weight: 2, arbitrary: good(fc.constant(undefined)) },
  {
    weight: 6,
    arbitrary: object({
      backlog: fc.oneof(
        good(fc.integer({ min: 0, max: 5000 })),
        good(fc.constant(2 ** 31 - 1)),
        bad(fc.constantFrom(2 ** 31, -1, 1.5)),
        anyBad,
      ),
      control: fc.oneof(good(fc.constantFrom(...Object.keys(controls))), bad(fc.constantFrom(null, 'x', 5, true, []))),
      keepAlive: fc.oneof(ms, anyBad),
      keepAliveConfig,
      backlogg: bad(fc.nat(10)),
      Backlog: bad(fc.nat(10)),
      signal: bad(fc.constant(undefined)),
    }),
  },
  { weight: 1, arbitrary: anyBad },
);
const signalKind = fc.constantFrom(
  'none',
  'none',
  'aborted',
  'soon',
  'timeout',
  'later',
  'undefined',
  'null',
  'object',
  'duck',
  'proto',
  'eventTarget',
  'string',
);
const listenOptions = fc.oneof(
  { weight: 6, arbitrary: fc.record({ signal: signalKind, signl: fc.boolean() }, { requiredKeys: ['signal'] }) },
  { weight: 1, arbitrary: fc.constantFrom('absent', 'null', 'string', 'array') },
);

function buildSignal(kind) {
  switch (kind) {
    case 'aborted':
      return AbortSignal.abort();
    case 'soon': {
      const c = new AbortController();
      queueMicrotask(() => c.abort());
      return c.signal;
    }
    case 'timeout':
      return AbortSignal.timeout(1);
    case 'later': {
      const c = new AbortController();
      setTimeout(() => c.abort(), 3);
      return c.signal;
    }
    case 'undefined':
      return undefined;
    case 'null':
      return null;
    case 'object':
      return {};
    case 'duck':
      return { aborted: false, addEventListener() {}, removeEventListener() {} };
    case 'proto':
      return Object.create(AbortSignal.prototype);
    case 'eventTarget':
      return new EventTarget();
    case 'string':
      return 'signal';
  }
}
const REAL_SIGNALS = new Set(['aborted', 'soon', 'timeout', 'later', 'undefined']);

function buildListenOptions(o) {
  if (o === 'absent') return { args: [], valid: true };
  if (typeof o === 'string') return { args: [{ null: null, string: 'x', array: [] }[o]], valid: false };
  if (o.signal === 'none') return { args: o.signl ? [{ signl: 1 }] : [{}], valid: !o.signl };
  const opts = { signal: buildSignal(o.signal) };
  if (o.signl) opts.signl = 1;
  return { args: [opts], valid: REAL_SIGNALS.has(o.signal) && !o.signl, signalKind: o.signal };
}

function buildConfig(o) {
  if (o === undefined || typeof o !== 'object' || o === null || Array.isArray(o)) return o;
  const c = { ...o };
  if (typeof c.control === 'string' && Object.hasOwn(controls, c.control)) c.control = controls[c.control];
  return c;
}

// Lookups that lost to an abort finish in the thread pool; then a rejection
// nobody handled surfaces (Node reports them once the microtasks drain).
async function settle() {
  await within(Promise.all(inFlight), DEADLINE_MS, 'lookups in flight');
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
}

// Errors a caller can act on: Go's error chain, or Node's argument errors
// (a code, never a bare "Cannot read properties of ...").
function clearError(e) {
  if (e?.name === 'AbortError' && e.code === 'ABORT_ERR') return true;
  if ((e instanceof TypeError || e instanceof RangeError) && typeof e.code === 'string' && e.code.startsWith('ERR_'))
    return true;
  if (!(e instanceof OpError)) return false;
  const inner = e.err;
  // 'unknown port' and 'invalid argument' (a NUL) are Go 1.22+'s service lookup errors.
  if (inner instanceof DNSError)
    return [
      'no such host',
      'server misbehaving',
      'unknown port',
      'invalid argument',
      'Address family for hostname not supported',
    ].includes(inner.err);
  if (inner instanceof AddrError || inner instanceof SyscallError || inner instanceof UnknownNetworkError) return true;
  if (inner.code === 'ERR_UNSUPPORTED_NETWORK') return true;
  return inner.message === 'boom'; // what the generated Controls throw
}

let unixDir;

describe('property: every listen ends in a Listener or a clear error', function () {
  this.timeout(Math.max(60000, RUNS * 400));
  let unhandled = [];
  const tripwire = (reason) => unhandled.push(reason);

  before(function () {
    unixDir = mkdtempSync(join(tmpdir(), 'lc-prop-'));
    process.on('unhandledRejection', tripwire);
    dns.promises.lookup = guardedLookup;
  });
  after(function () {
    rmSync(unixDir, { recursive: true, force: true });
    process.off('unhandledRejection', tripwire);
    dns.promises.lookup = realLookup;
  });

  it(`${RUNS} random calls (LC_PROPERTY_RUNS)`, async function () {
    await fc.assert(
      fc.asyncProperty(network, address, configOptions, listenOptions, async (net, addr, cfg, lo) => {
        await settle(); // a run that failed early left its lookups behind
        unhandled = []; // each run answers for its own rejections only
        const fds = fdCount();
        lookups = 0;
        const { args, valid: listenArgsValid, signalKind: sk } = buildListenOptions(lo);
        let lc;
        try {
          lc = new ListenConfig(buildConfig(cfg.v));
        } catch (e) {
          // A bad option fails at construction, as a Node argument error.
          if (cfg.ok || !clearError(e) || e instanceof OpError) throw e;
        }
        if (lc === undefined) return;
        expect(cfg.ok, 'a bad ListenConfig option was accepted').to.equal(true);
        // Unix sockets are files: keep the generated names out of the cwd.
        if (net === 'unix' && typeof addr === 'string' && addr !== '' && addr[0] !== '@') addr = `${unixDir}/${addr}`;
        const outcome = await within(
          lc.listen(net, addr, ...args).then(
            (ln) => ({ ln }),
            (error) => ({ error }),
          ),
          DEADLINE_MS,
          'listen',
        );
        if (outcome.ln !== undefined) {
          expect(outcome.ln).to.be.instanceOf(Listener);
          expect(String(outcome.ln.addr())).to.be.a('string');
          await within(outcome.ln.close(), DEADLINE_MS, 'close');
        }
        await settle();
        if (unhandled.length > 0) throw new Error(`unhandled rejection: ${unhandled[0]?.stack ?? unhandled[0]}`);
        if (outcome.ln === undefined && !clearError(outcome.error)) {
          throw new Error(`not a clear error: ${outcome.error?.stack ?? String(outcome.error)}`);
        }
        if (!(listenArgsValid && typeof net === 'string' && typeof addr === 'string')) {
          // Argument errors come first: before any lookup, before any socket.
          expect(outcome.error, 'a bad argument must not listen').to.be.instanceOf(TypeError);
          expect(lookups, 'no lookup for a call with bad arguments').to.equal(0);
        } else if (sk === 'aborted') {
          expect(outcome.error?.name).to.equal('AbortError');
        } else if (outcome.error?.name === 'AbortError') {
          expect(REAL_SIGNALS.has(sk), 'AbortError only from a signal that aborts').to.equal(true);
        }
        await until(() => fdCount() <= fds, 2000, `descriptors back to ${fds} (now ${fdCount()})`);
      }),
      { numRuns: RUNS, seed: SEED, interruptAfterTimeLimit: Math.max(50000, RUNS * 350) },
    );
    await new Promise((r) => setTimeout(r, 100));
    expect(unhandled.map(String)).to.deep.equal([]);
  });
});
