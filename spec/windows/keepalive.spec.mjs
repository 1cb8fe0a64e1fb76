// TestTCPListenerKeepAliveWindows: accepted connections get Go's keep-alive
// settings, with Go's Windows rules: TCP_KEEPIDLE/TCP_KEEPINTVL in seconds
// where Windows has them (10 1709+), else SIO_KEEPALIVE_VALS in ms (which
// cannot be read back); TCP_KEEPCNT where it exists (10 1703+).
import { expect } from '../expect.mjs';
import { ListenConfig, getsockopt, constants as C } from 'listenconfig';
import { adoptedSocket } from '../../dist/tcp-wrap.js';
import { within } from '../helpers.mjs';
import { onlyWindows, client } from './helpers.mjs';

// Reads an int option, or undefined where this Windows has no such option.
function tryGet(s, level, name) {
  try {
    return getsockopt(s, level, name);
  } catch (e) {
    if (e.winsockCode === 'WSAENOPROTOOPT' || e.winsockCode === 'WSAEINVAL') return undefined;
    throw e;
  }
}

async function acceptedOptions(config) {
  const ln = await new ListenConfig(config).listen('tcp4', '127.0.0.1:0');
  const c = client(ln.addr().port);
  try {
    const conn = await within(ln.accept(), 5000, 'accept()');
    const s = adoptedSocket(conn);
    expect(s, 'the SOCKET behind the accepted net.Socket').to.be.a('number');
    const got = {
      keepalive: getsockopt(s, C.SOL_SOCKET, C.SO_KEEPALIVE, 'bool'),
      nodelay: getsockopt(s, C.IPPROTO_TCP, C.TCP_NODELAY, 'bool'),
      idle: tryGet(s, C.IPPROTO_TCP, C.TCP_KEEPIDLE),
      interval: tryGet(s, C.IPPROTO_TCP, C.TCP_KEEPINTVL),
      count: tryGet(s, C.IPPROTO_TCP, C.TCP_KEEPCNT),
    };
    conn.destroy();
    return got;
  } finally {
    c.sock.destroy();
    await ln.close();
  }
}

// Windows before 10 1709 (and Wine 8) has no TCP_KEEPIDLE/TCP_KEEPINTVL:
// idle and interval then go through SIO_KEEPALIVE_VALS, which cannot be read
// back; before 10 1703 there is no TCP_KEEPCNT and Windows keeps its own
// count, as with Go.
function expectOption(got, want, name) {
  if (got[name] === undefined) {
    const how = name === 'count' ? 'Windows keeps its own probe count' : 'set through SIO_KEEPALIVE_VALS';
    console.log(
      `      (no TCP_KEEP${name === 'idle' ? 'IDLE' : name === 'interval' ? 'INTVL' : 'CNT'} here: ${how}; nothing to read back)`,
    );
    return;
  }
  expect(got[name], name).to.equal(want);
}

describe('Windows: keep-alive on accepted connections', function () {
  before(function () {
    onlyWindows(this);
  });

  it("Go's defaults: keep-alive on, 15 s idle, 15 s interval, 9 probes, TCP_NODELAY", async function () {
    const got = await acceptedOptions({});
    expect(got.keepalive).to.equal(true);
    expect(got.nodelay).to.equal(true);
    expectOption(got, 15, 'idle');
    expectOption(got, 15, 'interval');
    expectOption(got, 9, 'count');
  });

  it('keepAlive: 2500 ms is 3 s idle (rounded up to seconds, as Go does)', async function () {
    const got = await acceptedOptions({ keepAlive: 2500 });
    expect(got.keepalive).to.equal(true);
    expectOption(got, 3, 'idle');
  });

  it('keepAliveConfig { enable, idle 30 s, interval 5 s, count 3 } reads back', async function () {
    const got = await acceptedOptions({ keepAliveConfig: { enable: true, idle: 30000, interval: 5000, count: 3 } });
    expect(got.keepalive).to.equal(true);
    expectOption(got, 30, 'idle');
    expectOption(got, 5, 'interval');
    expectOption(got, 3, 'count');
  });

  it('keepAlive: -1 leaves keep-alive off; TCP_NODELAY is still set', async function () {
    const got = await acceptedOptions({ keepAlive: -1 });
    expect(got.keepalive).to.equal(false);
    expect(got.nodelay).to.equal(true);
  });
});
