// Linux copies keep-alive and TCP_NODELAY from a listening socket into the
// connections it accepts, so the package sets them once on the listener
// (src-native/posix.cc, InheritConnOptions). An MPTCP listening socket on
// kernels before mid-2024 refuses TCP_KEEPIDLE, TCP_KEEPINTVL and
// TCP_KEEPCNT (EOPNOTSUPP); its connections must then get them one by one.
// This kernel may accept them, so the test forces the refusal with the
// native test hook LC_TEST_LISTENER_REFUSES_KEEPALIVE=1, which leaves the
// three timings off the listener as such a kernel would.
import { expect } from 'chai';
import { ListenConfig, constants, getsockopt } from 'listenconfig';
import { dial, within, destroyAll, fdOf } from '../spec/helpers.mjs';

const timings = (fd) => ({
  keepalive: getsockopt(fd, constants.SOL_SOCKET, constants.SO_KEEPALIVE),
  idle: getsockopt(fd, constants.IPPROTO_TCP, constants.TCP_KEEPIDLE),
  interval: getsockopt(fd, constants.IPPROTO_TCP, constants.TCP_KEEPINTVL),
  count: getsockopt(fd, constants.IPPROTO_TCP, constants.TCP_KEEPCNT),
});

describe('keep-alive options a listening socket refuses are set on each connection', function () {
  before(function () {
    if (process.platform !== 'linux') {
      console.log('    skipped: only Linux copies the options from the listener (elsewhere they are per connection)');
      this.skip();
    }
  });
  let saved;
  beforeEach(function () {
    saved = process.env.LC_TEST_LISTENER_REFUSES_KEEPALIVE;
    process.env.LC_TEST_LISTENER_REFUSES_KEEPALIVE = '1';
  });
  afterEach(function () {
    if (saved === undefined) delete process.env.LC_TEST_LISTENER_REFUSES_KEEPALIVE;
    else process.env.LC_TEST_LISTENER_REFUSES_KEEPALIVE = saved;
  });

  for (const multipathTCP of [true, false]) {
    it(`${multipathTCP ? 'the default (MPTCP where offered)' : 'plain TCP'} listener: the accepted connection has Go's timings all the same`, async function () {
      const lc = new ListenConfig({
        multipathTCP,
        keepAliveConfig: { enable: true, idle: 7000, interval: 3000, count: 4 },
      });
      const ln = await lc.listen('tcp', '127.0.0.1:0');
      const client = dial(ln.addr().port);
      try {
        // The hook took: the listener holds SO_KEEPALIVE but not the timings.
        const held = ln.syscallConn().control((fd) => timings(fd));
        expect(held.keepalive).to.equal(1);
        expect(held.idle).to.not.equal(7);
        const conn = await within(ln.accept(), 3000, 'accept');
        const got = timings(fdOf(conn));
        conn.destroy();
        expect(got).to.deep.equal({ keepalive: 1, idle: 7, interval: 3, count: 4 });
      } finally {
        destroyAll([client]);
        await ln.close();
      }
    });
  }
});
