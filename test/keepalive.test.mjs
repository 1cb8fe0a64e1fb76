import { expect } from 'chai';
import { connOptions } from '../dist/keepalive.js';

// [SO_KEEPALIVE, TCP_KEEPIDLE s, TCP_KEEPINTVL s, TCP_KEEPCNT, TCP_NODELAY]; -1 = untouched.
describe('keep-alive rules (Go TCPListener.accept + SetKeepAliveConfig)', function () {
  const table = [
    ['zero config', undefined, undefined, [1, 15, 15, 9, true]],
    ['keepAlive 0', 0, undefined, [1, 15, 15, 9, true]],
    ['keepAlive 30 s', 30000, undefined, [1, 30, 15, 9, true]],
    ['keepAlive rounds up', 1001, undefined, [1, 2, 15, 9, true]],
    ['keepAlive below a second rounds up to 1', 1, undefined, [1, 1, 15, 9, true]],
    ['negative keepAlive: off', -1, undefined, [-1, -1, -1, -1, true]],
    ['config enabled wins over negative keepAlive', -1, { enable: true }, [1, 15, 15, 9, true]],
    ['config fields', undefined, { enable: true, idle: 2000, interval: 3500, count: 3 }, [1, 2, 4, 3, true]],
    [
      'negative fields: OS default',
      undefined,
      { enable: true, idle: -1, interval: -5, count: -1 },
      [1, -1, -1, -1, true],
    ],
    ['disabled config falls back to keepAlive', 7000, { enable: false, idle: 1000 }, [1, 7, 15, 9, true]],
    ['disabled config and negative keepAlive: off', -1, { enable: false, idle: 1000 }, [-1, -1, -1, -1, true]],
    [
      'huge values are capped to a C int',
      undefined,
      { enable: true, idle: 1e15, count: 2 ** 40 },
      [1, 2 ** 31 - 1, 15, 2 ** 31 - 1, true],
    ],
  ];
  for (const [name, ka, cfg, want] of table) {
    it(name, function () {
      expect(connOptions(ka, cfg)).to.deep.equal(want);
    });
  }
});
