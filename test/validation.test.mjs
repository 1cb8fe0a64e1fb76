import { expect } from 'chai';
import dns from 'node:dns';
import { ListenConfig, listen, setsockopt, getsockopt, constants, OpError, MAX_BACKLOG } from 'listenconfig';
import { raceAbort, lookupPort, parseServices } from '../dist/address.js';
import { canonicalIPv6, ipString } from '../dist/ip.js';
import { TCPAddr } from 'listenconfig';

function thrown(fn) {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('did not throw');
}

describe('ListenConfig options are validated at construction', function () {
  const bad = [
    [{ backlog: -5 }, RangeError, 'ERR_OUT_OF_RANGE', 'Received -5'],
    [{ backlog: 1.5 }, RangeError, 'ERR_OUT_OF_RANGE', 'Received 1.5'],
    [{ backlog: NaN }, RangeError, 'ERR_OUT_OF_RANGE', 'Received NaN'],
    [{ backlog: Infinity }, RangeError, 'ERR_OUT_OF_RANGE', 'Received Infinity'],
    [{ backlog: 2 ** 31 }, RangeError, 'ERR_OUT_OF_RANGE', 'Received 2147483648'],
    [{ backlog: 'abc' }, TypeError, 'ERR_INVALID_ARG_TYPE', "Received type string ('abc')"],
    [{ backlog: null }, TypeError, 'ERR_INVALID_ARG_TYPE', 'Received null'],
    [{ control: 'nope' }, TypeError, 'ERR_INVALID_ARG_TYPE', 'control'],
    [{ keepAlive: '15s' }, TypeError, 'ERR_INVALID_ARG_TYPE', 'keepAlive'],
    [{ keepAlive: NaN }, RangeError, 'ERR_OUT_OF_RANGE', 'keepAlive'],
    [
      { keepAlive: Infinity },
      RangeError,
      'ERR_OUT_OF_RANGE',
      'It must be a finite number of milliseconds. Received Infinity',
    ],
    [{ keepAlive: -Infinity }, RangeError, 'ERR_OUT_OF_RANGE', 'Received -Infinity'],
    [
      { keepAliveConfig: { enable: true, interval: Infinity } },
      RangeError,
      'ERR_OUT_OF_RANGE',
      'keepAliveConfig.interval',
    ],
    [{ keepAliveConfig: 5 }, TypeError, 'ERR_INVALID_ARG_TYPE', 'keepAliveConfig'],
    [{ keepAliveConfig: { enable: 'yes' } }, TypeError, 'ERR_INVALID_ARG_TYPE', 'keepAliveConfig.enable'],
    [{ keepAliveConfig: { count: 1.5 } }, RangeError, 'ERR_OUT_OF_RANGE', 'keepAliveConfig.count'],
    [{ keepAliveConfig: { idle: 'x' } }, TypeError, 'ERR_INVALID_ARG_TYPE', 'keepAliveConfig.idle'],
    [{ keepAliveConfig: [] }, TypeError, 'ERR_INVALID_ARG_TYPE', 'Received an instance of Array'],
    [{ keepAliveConfig: null }, TypeError, 'ERR_INVALID_ARG_TYPE', 'Received null'],
  ];
  for (const [opts, type, code, text] of bad) {
    it(`${JSON.stringify(opts, (k, v) => (Number.isNaN(v) ? 'NaN' : v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : v))} throws ${type.name} ${code}`, function () {
      const e = thrown(() => new ListenConfig(opts));
      expect(e).to.be.instanceOf(type);
      expect(e.code).to.equal(code);
      expect(e.message).to.include(text);
    });
  }
  it('names the backlog range in the message', function () {
    expect(thrown(() => new ListenConfig({ backlog: -1 })).message).to.equal(
      `The value of "backlog" is out of range. It must be an integer >= 0 && <= ${MAX_BACKLOG}. Received -1`,
    );
  });
  it('options itself must be an object', function () {
    for (const [v, received] of [
      [null, 'null'],
      [5, 'type number (5)'],
      ['x', "type string ('x')"],
      [[], 'an instance of Array'],
      [() => {}, 'function '],
    ]) {
      const e = thrown(() => new ListenConfig(v));
      expect(e).to.be.instanceOf(TypeError);
      expect(e.code).to.equal('ERR_INVALID_ARG_TYPE');
      expect(e.message).to.equal(`The "options" argument must be of type object. Received ${received}`);
    }
  });
  it('accepts the edges', function () {
    expect(new ListenConfig({ backlog: 0 }).backlog).to.equal(0);
    expect(new ListenConfig({ backlog: MAX_BACKLOG }).backlog).to.equal(MAX_BACKLOG);
    expect(new ListenConfig().backlog).to.equal(0);
  });
  it('listen() type-checks network and address without creating a socket', async function () {
    const e1 = await listen(5, ':0').catch((e) => e);
    expect(e1).to.be.instanceOf(TypeError);
    expect(e1.code).to.equal('ERR_INVALID_ARG_TYPE');
    const e2 = await listen('tcp', 80).catch((e) => e);
    expect(e2.code).to.equal('ERR_INVALID_ARG_TYPE');
  });
  it("listen(8080) and friends, net.Server's forms, reject with Go's form suggested", async function () {
    for (const [args, text] of [
      [
        [8080],
        `The "network" argument must be of type string. Received type number (8080); Go's form is listen('tcp', ':8080')`,
      ],
      [
        [':8080'],
        `The "address" argument must be of type string. Received undefined; Go's form is listen('tcp', ':8080')`,
      ],
      [
        ['localhost:8080'],
        `The "address" argument must be of type string. Received undefined; Go's form is listen('tcp', 'localhost:8080')`,
      ],
      [['tcp'], 'The "address" argument must be of type string. Received undefined'],
    ]) {
      const e = await listen(...args).catch((e) => e);
      expect(e, String(args)).to.be.instanceOf(TypeError);
      expect(e.code).to.equal('ERR_INVALID_ARG_TYPE');
      expect(e.message).to.equal(text);
    }
    const e = await new ListenConfig().listenPacket(53).catch((e) => e);
    expect(e.message).to.match(/; Go's form is listenPacket\('udp', ':53'\)$/);
  });
  it('listen() on raw IP networks says they are not supported', async function () {
    const e = await listen('ip4:1', '127.0.0.1').catch((e) => e);
    expect(e).to.be.instanceOf(OpError);
    expect(e.code).to.equal('ERR_UNSUPPORTED_NETWORK');
    expect(e.message).to.equal('listen ip4:1: network ip4:1 is not supported (tcp, tcp4, tcp6 and unix are)');
  });
  it('an already aborted signal rejects before anything is created', async function () {
    const e = await listen('tcp', ':0', { signal: AbortSignal.abort() }).catch((e) => e);
    expect(e.name).to.equal('AbortError');
  });
});

describe('setsockopt / getsockopt', function () {
  it('reject bad arguments with Node-style codes', function () {
    expect(thrown(() => setsockopt(-1, 1, 1, 1)).code).to.equal('ERR_INVALID_ARG_TYPE');
    expect(thrown(() => setsockopt(3, 1.5, 1, 1)).code).to.equal('ERR_OUT_OF_RANGE');
    expect(thrown(() => setsockopt(3, 1, 1, 'x')).code).to.equal('ERR_INVALID_ARG_TYPE');
    expect(thrown(() => getsockopt(3, 1, 1, 'float')).code).to.equal('ERR_INVALID_ARG_VALUE');
    expect(thrown(() => getsockopt(3, 1, 1, -1)).code).to.equal('ERR_OUT_OF_RANGE');
  });
  it('report OS errors as Go SyscallErrors with Node fields', function () {
    // A descriptor number far above any this process has open.
    const e = thrown(() => getsockopt(999999, constants.SOL_SOCKET, constants.SO_TYPE));
    expect(e.message).to.equal('getsockopt: bad file descriptor');
    expect(e.code).to.equal('EBADF');
    expect(e.syscall).to.equal('getsockopt');
    expect(e.errno).to.be.below(0);
  });
  it("constants hold this platform's values only", function () {
    expect(constants.SOL_SOCKET).to.be.a('number');
    expect(constants.TCP_NODELAY).to.be.a('number');
    expect(constants.NO_SUCH_OPTION).to.equal(undefined);
    expect(Object.isFrozen(constants)).to.equal(true);
  });
});

describe('unknown option keys throw (Go issue 39000: a misspelt backlog is no backlog)', function () {
  const cases = [
    [{ backlogg: 5 }, 'The option "backlogg" is not known to ListenConfig. Did you mean "backlog"?'],
    [{ Backlog: 5 }, 'The option "Backlog" is not known to ListenConfig. Did you mean "backlog"?'],
    [{ bakclog: 5 }, 'The option "bakclog" is not known to ListenConfig. Did you mean "backlog"?'],
    [{ keepalive: 5 }, 'The option "keepalive" is not known to ListenConfig. Did you mean "keepAlive"?'],
    [
      { keepAliveConfg: {} },
      'The option "keepAliveConfg" is not known to ListenConfig. Did you mean "keepAliveConfig"?',
    ],
    [{ timeout: 5 }, 'The option "timeout" is not known to ListenConfig.'],
    [{ signal: AbortSignal.abort() }, 'The option "signal" is not known to ListenConfig.'],
    [
      { backlog: 5, backlogg: undefined },
      'The option "backlogg" is not known to ListenConfig. Did you mean "backlog"?',
    ],
    [
      { keepAliveConfig: { intervall: 5 } },
      'The option "keepAliveConfig.intervall" is not known to KeepAliveConfig. Did you mean "keepAliveConfig.interval"?',
    ],
    [
      { keepAliveConfig: { enabled: true } },
      'The option "keepAliveConfig.enabled" is not known to KeepAliveConfig. Did you mean "keepAliveConfig.enable"?',
    ],
    [
      { keepAliveConfig: { cnt: 3 } },
      'The option "keepAliveConfig.cnt" is not known to KeepAliveConfig. Did you mean "keepAliveConfig.count"?',
    ],
    [{ 'a"b': 1 }, 'The option "a\\"b" is not known to ListenConfig.'],
  ];
  for (const [opts, message] of cases) {
    it(message, function () {
      const e = thrown(() => new ListenConfig(opts));
      expect(e).to.be.instanceOf(TypeError);
      expect(e.code).to.equal('ERR_INVALID_ARG_VALUE');
      expect(e.message).to.equal(message);
    });
  }
  it('listen() options too, before anything is created', async function () {
    const e = await listen('tcp', '127.0.0.1:0', { signl: AbortSignal.abort() }).catch((e) => e);
    expect(e).to.be.instanceOf(TypeError);
    expect(e.code).to.equal('ERR_INVALID_ARG_VALUE');
    expect(e.message).to.equal('The option "signl" is not known to ListenOptions. Did you mean "signal"?');
  });
  it('only own enumerable string keys count', async function () {
    const hidden = Object.defineProperty({}, 'backlogg', { value: 5, enumerable: false });
    const tagged = { [Symbol('meta')]: 1, backlog: 7 };
    const inherited = Object.create({ backlogg: 5, backlog: 3 });
    expect(new ListenConfig(hidden).backlog).to.equal(0);
    expect(new ListenConfig(tagged).backlog).to.equal(7);
    expect(new ListenConfig(inherited).backlog).to.equal(3); // read as before, through the prototype
    const ln = await new ListenConfig().listen('tcp', '127.0.0.1:0', { [Symbol('meta')]: 1 });
    await ln.close();
  });
  it('a ListenConfig is a valid options object for another', function () {
    const lc = new ListenConfig({ backlog: 3, keepAliveConfig: { enable: true, idle: 1000 } });
    const copy = new ListenConfig(lc);
    expect(copy.backlog).to.equal(3);
    expect(copy.keepAliveConfig).to.deep.equal(lc.keepAliveConfig);
    // multipathTCP is a method there (Go's getter); the setting copies as it
    // is: unset stays Go's default (GODEBUG), set stays set. The answer is
    // the configuration's, whatever the kernel offers; GODEBUG is cleared
    // first so that the environment's own setting cannot decide it.
    const godebug = process.env.GODEBUG;
    try {
      delete process.env.GODEBUG;
      expect(copy.multipathTCP()).to.equal(true);
      process.env.GODEBUG = 'multipathtcp=0';
      expect(copy.multipathTCP()).to.equal(false);
      lc.setMultipathTCP(true);
      expect(new ListenConfig(lc).multipathTCP()).to.equal(true);
    } finally {
      if (godebug === undefined) delete process.env.GODEBUG;
      else process.env.GODEBUG = godebug;
    }
  });
});

describe('listen() options and signal are validated before any lookup', function () {
  const realLookup = dns.promises.lookup;
  let lookups;
  beforeEach(function () {
    lookups = [];
    dns.promises.lookup = (host, opts) => {
      lookups.push(host);
      return realLookup.call(dns.promises, host, opts);
    };
  });
  afterEach(function () {
    dns.promises.lookup = realLookup;
  });

  const bogus = [
    [{}, 'an instance of Object'],
    [null, 'null'],
    ['signal', "type string ('signal')"],
    [{ aborted: false, addEventListener() {}, removeEventListener() {} }, 'an instance of Object'],
    [new EventTarget(), 'an instance of EventTarget'],
    [Object.create(AbortSignal.prototype), 'an instance of AbortSignal'],
    [Object.create(null), '[Object: null prototype] {}'],
    [function sig() {}, 'function sig'],
  ];
  for (const address of ['nosuch.invalid:0', 'localhost:0', '127.0.0.1:0', ':0']) {
    for (const [signal, received] of bogus) {
      it(`"${address}" with signal ${received}: TypeError, no lookup`, async function () {
        const e = await listen('tcp', address, { signal }).catch((e) => e);
        expect(e).to.be.instanceOf(TypeError);
        expect(e.code).to.equal('ERR_INVALID_ARG_TYPE');
        expect(e.message).to.equal(
          `The "options.signal" property must be an instance of AbortSignal. Received ${received}`,
        );
        expect(lookups).to.deep.equal([]);
      });
    }
  }
  it('options itself must be an object or undefined', async function () {
    for (const [v, received] of [
      [null, 'null'],
      [5, 'type number (5)'],
      [[], 'an instance of Array'],
    ]) {
      const e = await listen('tcp', 'localhost:0', v).catch((e) => e);
      expect(e.code).to.equal('ERR_INVALID_ARG_TYPE');
      expect(e.message).to.equal(`The "options" argument must be of type object. Received ${received}`);
    }
    expect(lookups).to.deep.equal([]);
    await (await listen('tcp', '127.0.0.1:0', undefined)).close();
    await (await listen('tcp', '127.0.0.1:0', { signal: undefined })).close();
  });
  it('a real signal still aborts a lookup', async function () {
    const c = new AbortController();
    const p = listen('tcp', 'nosuch.invalid:0', { signal: c.signal });
    c.abort();
    const e = await p.catch((e) => e);
    expect(e.name).to.equal('AbortError');
    expect(lookups).to.deep.equal(['nosuch.invalid']);
  });
});

describe('raceAbort leaves no promise rejecting unhandled', function () {
  let unhandled;
  const trip = (r) => unhandled.push(r);
  beforeEach(function () {
    unhandled = [];
    process.on('unhandledRejection', trip);
  });
  afterEach(function () {
    process.off('unhandledRejection', trip);
  });
  const later = (ms) => new Promise((_, reject) => setTimeout(() => reject(new Error('lookup failed late')), ms));
  const settle = () => new Promise((r) => setTimeout(r, 30));

  it('when abort wins and the lookup fails afterwards', async function () {
    const c = new AbortController();
    const r = raceAbort(later(5), c.signal);
    c.abort();
    expect((await r.catch((e) => e)).name).to.equal('AbortError');
    await settle();
    expect(unhandled).to.deep.equal([]);
  });
  it('when the signal is already aborted', async function () {
    const r = raceAbort(later(5), AbortSignal.abort());
    expect((await r.catch((e) => e)).name).to.equal('AbortError');
    await settle();
    expect(unhandled).to.deep.equal([]);
  });
  it('when the signal is not one (a caller that skipped validation)', async function () {
    const r = raceAbort(later(5), {});
    expect(await r.catch((e) => e)).to.be.instanceOf(TypeError);
    await settle();
    expect(unhandled).to.deep.equal([]);
  });
  it('settles with the lookup when no abort comes', async function () {
    const c = new AbortController();
    expect(await raceAbort(Promise.resolve(7), c.signal)).to.equal(7);
    c.abort(); // after settling: nothing listens any more
  });
});

describe("Go's address texts (Go 1.27, spec/go/cases.json)", function () {
  it('unknown port names the network: lookup tcp4/0x0 (Go 1.19: address tcp/0x0)', function () {
    for (const network of ['tcp', 'tcp4', 'tcp6', 'udp', 'udp4', 'udp6']) {
      expect(thrown(() => lookupPort(network, '0x0')).message).to.equal(`lookup ${network}/0x0: unknown port`);
    }
  });
  it("service names are looked up under the network's protocol", function () {
    const text = 'bootps 67/udp\nhttp 80/tcp www\ndomain 53/tcp\ndomain 53/udp\n';
    expect([...parseServices(text, 'udp')]).to.deep.equal([
      ['bootps', 67],
      ['domain', 53],
    ]);
    expect([...parseServices(text)]).to.deep.equal([
      ['http', 80],
      ['www', 80],
      ['domain', 53],
    ]);
    expect(lookupPort('udp', 'domain')).to.equal(53); // Go's built-in udp table, services file or not
  });
  const spellings = [
    ['::1.2.3.4', '::102:304'],
    ['0:0:0:0:0:0:1.2.3.4', '::102:304'],
    ['::0.0.0.2', '::2'],
    ['::0.0.0.1', '::1'],
    ['::0.0.0.0', '::'],
    ['64:ff9b::1.2.3.4', '64:ff9b::102:304'],
    ['::ffff:0:1.2.3.4', '::ffff:0:102:304'],
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
    ['1:0:2:3:4:5:6:7', '1:0:2:3:4:5:6:7'],
    ['FE80::A', 'fe80::a'],
    ['::FFFF:7f00:1', '127.0.0.1'],
    ['0:0:0:0:0:ffff:0.0.0.0', '0.0.0.0'],
    ['1::', '1::'],
    ['127.0.0.1', '127.0.0.1'],
  ];
  for (const [ip, go] of spellings) {
    it(`${ip} prints as ${go}, as Go's IP.String()`, function () {
      expect(ipString(ip)).to.equal(go);
      expect(String(new TCPAddr(ip, 80))).to.equal(go.includes(':') ? `[${go}]:80` : `${go}:80`);
    });
  }
  it('leaves text that is not an IPv6 literal alone', function () {
    expect(canonicalIPv6('fe80::1%lo')).to.equal('fe80::1%lo');
    expect(canonicalIPv6('nonsense')).to.equal('nonsense');
  });
  it("Control's address and the error text use Go's spelling", async function () {
    const seen = [];
    // Plain TCP: one Control call whether or not the kernel has MPTCP (the
    // default's second call, after a failed MPTCP attempt, is in
    // spec/mptcp.spec.mjs, where an MPTCP socket can be made).
    const lc = new ListenConfig({
      multipathTCP: false,
      control: (network, address) => seen.push(`${network} ${address}`),
    });
    const e = await lc.listen('tcp', '[::1.2.3.4]:0').catch((e) => e);
    expect(seen).to.deep.equal(['tcp6 [::102:304]:0']);
    expect(e.message).to.match(/^listen tcp \[::102:304\]:0: bind: /); // the errno text is the OS's
  });
});

describe("accept() options are validated as listen()'s", function () {
  let ln;
  before(async function () {
    ln = await listen('tcp', '127.0.0.1:0');
  });
  after(async function () {
    await ln.close();
  });
  const bad = [
    [{ signal: {} }, 'ERR_INVALID_ARG_TYPE', 'must be an instance of AbortSignal'],
    [{ signal: null }, 'ERR_INVALID_ARG_TYPE', 'Received null'],
    [{ sigal: AbortSignal.abort() }, 'ERR_INVALID_ARG_VALUE', 'Did you mean "signal"?'],
    [5, 'ERR_INVALID_ARG_TYPE', 'The "options" argument must be of type object'],
  ];
  for (const [opts, code, text] of bad) {
    it(`accept(${JSON.stringify(opts)}) rejects with ${code} and takes nothing from the queue`, async function () {
      const e = await ln.accept(opts).catch((e) => e);
      expect(e).to.be.instanceOf(TypeError);
      expect(e.code).to.equal(code);
      expect(e.message).to.include(text);
      expect(ln.queued()).to.equal(0);
    });
  }
});
