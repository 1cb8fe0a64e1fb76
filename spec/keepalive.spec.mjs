// TestListenerKeepAlive: Go's keep-alive rules on accepted connections,
// read back with getsockopt on the server side of real connections.
import { expect } from './expect.mjs';
import { ListenConfig, constants, getsockopt, setsockopt } from 'listenconfig';
import { dial, within, destroyAll, fdOf } from './helpers.mjs';

async function acceptedOptions(options) {
  const ln = await new ListenConfig(options).listen('tcp', '127.0.0.1:0');
  const client = dial(ln.addr().port);
  try {
    const conn = await within(ln.accept(), 3000, 'accept');
    const fd = fdOf(conn);
    const get = (level, name) => getsockopt(fd, level, name);
    const o = {
      keepalive: get(constants.SOL_SOCKET, constants.SO_KEEPALIVE),
      idle: get(constants.IPPROTO_TCP, constants.TCP_KEEPIDLE),
      interval: get(constants.IPPROTO_TCP, constants.TCP_KEEPINTVL),
      count: get(constants.IPPROTO_TCP, constants.TCP_KEEPCNT),
      nodelay: get(constants.IPPROTO_TCP, constants.TCP_NODELAY) !== 0 ? 1 : 0,
    };
    conn.destroy();
    return o;
  } finally {
    destroyAll([client]);
    await ln.close();
  }
}

// What this kernel gives a socket nobody configured (net.ipv4.tcp_keepalive_*).
async function osDefaults() {
  const { readFileSync } = await import('node:fs');
  const r = (n) => Number(readFileSync(`/proc/sys/net/ipv4/tcp_keepalive_${n}`, 'utf8'));
  return { idle: r('time'), interval: r('intvl'), count: r('probes') };
}

describe('accepted connections: keep-alive and TCP_NODELAY (Go rules)', function () {
  before(function () {
    if (process.platform !== 'linux') {
      console.log('    skipped: reads TCP_KEEPIDLE/TCP_KEEPINTVL/TCP_KEEPCNT as Linux names them');
      this.skip();
    }
  });

  it('zero config: SO_KEEPALIVE on, idle 15 s, interval 15 s, count 9, TCP_NODELAY on', async function () {
    expect(await acceptedOptions({})).to.deep.equal({ keepalive: 1, idle: 15, interval: 15, count: 9, nodelay: 1 });
  });

  it('keepAlive 30000 ms: idle 30 s, the rest Go defaults', async function () {
    expect(await acceptedOptions({ keepAlive: 30000 })).to.deep.equal({
      keepalive: 1,
      idle: 30,
      interval: 15,
      count: 9,
      nodelay: 1,
    });
  });

  it('keepAlive 1500 ms rounds up to 2 s', async function () {
    expect((await acceptedOptions({ keepAlive: 1500 })).idle).to.equal(2);
  });

  it('negative keepAlive leaves keep-alive off and the OS defaults alone; TCP_NODELAY still on', async function () {
    const d = await osDefaults();
    expect(await acceptedOptions({ keepAlive: -1 })).to.deep.equal({ keepalive: 0, ...d, nodelay: 1 });
  });

  it('a full keepAliveConfig is applied as given', async function () {
    const o = await acceptedOptions({ keepAliveConfig: { enable: true, idle: 7000, interval: 3000, count: 4 } });
    expect(o).to.deep.equal({ keepalive: 1, idle: 7, interval: 3, count: 4, nodelay: 1 });
  });

  it('keepAliveConfig.enable wins over a negative keepAlive', async function () {
    const o = await acceptedOptions({ keepAlive: -1, keepAliveConfig: { enable: true, idle: 5000 } });
    expect(o).to.deep.equal({ keepalive: 1, idle: 5, interval: 15, count: 9, nodelay: 1 });
  });

  it('a negative keepAliveConfig field leaves that option at the OS default', async function () {
    const d = await osDefaults();
    const o = await acceptedOptions({ keepAliveConfig: { enable: true, idle: -1, interval: 2000, count: -1 } });
    expect(o).to.deep.equal({ keepalive: 1, idle: d.idle, interval: 2, count: d.count, nodelay: 1 });
  });

  // On Linux the options are set once on the listener and the kernel copies
  // them into each accepted socket (src-native/posix.cc); the copy must also
  // arm the keep-alive timer, which only ss(8) shows.
  it('the keep-alive timer runs on accepted connections (ss -o shows it)', async function () {
    const { execFileSync } = await import('node:child_process');
    try {
      execFileSync('ss', ['-V'], { stdio: 'ignore' });
    } catch {
      console.log('      skipped: needs ss (iproute2) to see socket timers');
      this.skip();
    }
    const ln = await new ListenConfig({ keepAlive: 5000 }).listen('tcp', '127.0.0.1:0');
    const port = ln.addr().port;
    const client = dial(port);
    try {
      const conn = await within(ln.accept(), 3000, 'accept');
      const out = execFileSync('ss', ['-tnoH', 'state', 'established', `( sport = :${port} )`], { encoding: 'utf8' });
      conn.destroy();
      expect(out, out).to.match(/timer:\(keepalive,/);
    } finally {
      destroyAll([client]);
      await ln.close();
    }
  });

  it("Control's options on the listener are overridden by Go's, as Go sets them per connection", async function () {
    const o = await acceptedOptions({
      control: (_n, _a, c) =>
        c.control((fd) => {
          setsockopt(fd, constants.SOL_SOCKET, constants.SO_KEEPALIVE, 0);
          setsockopt(fd, constants.IPPROTO_TCP, constants.TCP_KEEPIDLE, 99);
          setsockopt(fd, constants.IPPROTO_TCP, constants.TCP_NODELAY, 0);
        }),
    });
    expect(o).to.deep.equal({ keepalive: 1, idle: 15, interval: 15, count: 9, nodelay: 1 });
  });

  it('keepAliveConfig without enable falls back to keepAlive, as in Go', async function () {
    const o = await acceptedOptions({ keepAlive: 20000, keepAliveConfig: { idle: 3000 } });
    expect(o).to.deep.equal({ keepalive: 1, idle: 20, interval: 15, count: 9, nodelay: 1 });
  });
});
