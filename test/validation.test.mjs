import { expect } from 'chai';
import { ListenConfig, listen, setsockopt, getsockopt, constants, OpError, MAX_BACKLOG } from 'listenconfig';

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
    [{ keepAlive: Infinity }, RangeError, 'ERR_OUT_OF_RANGE', 'It must be a finite number of milliseconds. Received Infinity'],
    [{ keepAlive: -Infinity }, RangeError, 'ERR_OUT_OF_RANGE', 'Received -Infinity'],
    [{ keepAliveConfig: { enable: true, interval: Infinity } }, RangeError, 'ERR_OUT_OF_RANGE', 'keepAliveConfig.interval'],
    [{ keepAliveConfig: 5 }, TypeError, 'ERR_INVALID_ARG_TYPE', 'keepAliveConfig'],
    [{ keepAliveConfig: { enable: 'yes' } }, TypeError, 'ERR_INVALID_ARG_TYPE', 'keepAliveConfig.enable'],
    [{ keepAliveConfig: { count: 1.5 } }, RangeError, 'ERR_OUT_OF_RANGE', 'keepAliveConfig.count'],
    [{ keepAliveConfig: { idle: 'x' } }, TypeError, 'ERR_INVALID_ARG_TYPE', 'keepAliveConfig.idle'],
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
  it('listen() on unix networks says they are not supported', async function () {
    const e = await listen('unix', '/tmp/x.sock').catch((e) => e);
    expect(e).to.be.instanceOf(OpError);
    expect(e.message).to.equal('listen unix: network unix is not supported (tcp, tcp4 and tcp6 are)');
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
  it('constants hold this platform\'s values only', function () {
    expect(constants.SOL_SOCKET).to.be.a('number');
    expect(constants.TCP_NODELAY).to.be.a('number');
    expect(constants.NO_SUCH_OPTION).to.equal(undefined);
    expect(Object.isFrozen(constants)).to.equal(true);
  });
});
