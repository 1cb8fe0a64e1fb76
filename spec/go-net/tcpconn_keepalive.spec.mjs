// Go's keep-alive config test for listeners (Go 1.27,
// src/net/tcpconn_keepalive_test.go and _posix_test.go), ported: every
// KeepAliveConfig of Go's table, with a KeepAlive that must be ignored,
// read back from the accepted connection. Go reads the connection's
// settings before it sets its own, for -1 ("leave as is"); here that is
// what an accepted connection of a listener that sets nothing carries.
import { expect } from '../expect.mjs';
import * as net from 'node:net';
import { ListenConfig, syscallConn, constants, getsockopt } from 'listenconfig';

function skip(ctx, why) {
  console.log(`    skipped: ${why}`);
  ctx.skip();
}

const S = 1000;
// Go's testConfigs (tcpconn_keepalive_conf_posix_test.go), in ms.
const testConfigs = [
  [5 * S, 3 * S, 10],
  [0, 0, 0],
  [-1, -1, -1],
  [-1, 3 * S, 10],
  [5 * S, -1, 10],
  [5 * S, 3 * S, -1],
  [-1, -1, 10],
  [-1, 3 * S, -1],
  [5 * S, -1, -1],
  [0, 3 * S, 10],
  [5 * S, 0, 10],
  [5 * S, 3 * S, 0],
  [0, 0, 10],
  [0, 3 * S, 0],
  [5 * S, 0, 0],
].map(([idle, interval, count]) => ({ enable: true, idle, interval, count }));

// Go's defaultTCPKeepAliveIdle, Interval and Count.
const DEFAULTS = { idle: 15 * S, interval: 15 * S, count: 9 };

// macOS names TCP_KEEPIDLE TCP_KEEPALIVE.
const KEEPIDLE = constants.TCP_KEEPIDLE ?? constants.TCP_KEEPALIVE;

function settingsOf(conn) {
  return syscallConn(conn).control((fd) => ({
    enable: getsockopt(fd, constants.SOL_SOCKET, constants.SO_KEEPALIVE) !== 0,
    idle: getsockopt(fd, constants.IPPROTO_TCP, KEEPIDLE) * S,
    interval: getsockopt(fd, constants.IPPROTO_TCP, constants.TCP_KEEPINTVL) * S,
    count: getsockopt(fd, constants.IPPROTO_TCP, constants.TCP_KEEPCNT),
  }));
}

// One accepted connection of a listener made with `options`: its settings.
async function acceptedSettings(options) {
  const ln = await new ListenConfig(options).listen('tcp', '127.0.0.1:0');
  const client = net.connect(ln.addr().port, '127.0.0.1');
  client.on('error', () => {});
  try {
    const conn = await ln.accept();
    try {
      return settingsOf(conn);
    } finally {
      conn.destroy();
    }
  } finally {
    client.destroy();
    await ln.close();
  }
}

describe('TestTCPConnKeepAliveConfigListener', function () {
  let oldCfg;
  before(async function () {
    if (process.platform === 'win32')
      skip(this, "Windows' keep-alive options are not all readable (Go skips there too)");
    if (KEEPIDLE === undefined || constants.TCP_KEEPINTVL === undefined || constants.TCP_KEEPCNT === undefined)
      skip(this, 'this OS lacks TCP_KEEPIDLE, TCP_KEEPINTVL or TCP_KEEPCNT');
    // keepAlive < 0: the package sets nothing, so this is the OS's default.
    oldCfg = await acceptedSettings({ keepAlive: -1 });
  });
  for (const cfg of testConfigs) {
    it(`${JSON.stringify(cfg)} (keepAlive: 15 s ignored)`, async function () {
      const want = { enable: cfg.enable };
      for (const k of ['idle', 'interval', 'count'])
        want[k] = cfg[k] === 0 ? DEFAULTS[k] : cfg[k] === -1 ? oldCfg[k] : cfg[k];
      expect(await acceptedSettings({ keepAlive: 15 * S, keepAliveConfig: cfg })).to.deep.equal(want);
    });
  }
});
