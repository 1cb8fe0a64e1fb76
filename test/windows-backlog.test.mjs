// The Windows backlog mapping (lib/backlog/windows.ts): every range of the
// option and what listen() gets. Pure functions: runs on every OS.
import { expect } from 'chai';
import {
  windowsListenBacklog,
  somaxconnHint,
  windowsMaxListenerBacklog,
  SOMAXCONN_HINT_MAX,
  SOMAXCONN_HINT_MIN,
} from '../dist/backlog/windows.js';
import { listenBacklog } from '../dist/backlog/listen.js';
import { maxListenerBacklog } from '../dist/backlog/index.js';

describe('Windows backlog mapping (SOMAXCONN_HINT)', function () {
  it('SOMAXCONN_HINT(n) is -n, as winsock2.h defines it', function () {
    expect(somaxconnHint(200)).to.equal(-200);
    expect(somaxconnHint(65535)).to.equal(-65535);
    expect([SOMAXCONN_HINT_MIN, SOMAXCONN_HINT_MAX]).to.deep.equal([200, 65535]);
  });

  it('0 (absent) -> maxListenerBacklog() = 65535, applied as SOMAXCONN_HINT(65535)', function () {
    expect(windowsMaxListenerBacklog()).to.equal(65535);
    expect(windowsListenBacklog(0)).to.deep.equal({ requested: 65535, arg: -65535, effective: 65535 });
  });

  it('1..199 -> passed as is (a hint would raise them to 200)', function () {
    for (const n of [1, 2, 50, 128, 198, 199]) {
      expect(windowsListenBacklog(n), String(n)).to.deep.equal({ requested: n, arg: n, effective: n });
    }
  });

  it('200..65535 -> SOMAXCONN_HINT(n)', function () {
    for (const n of [200, 201, 500, 4096, 65534, 65535]) {
      expect(windowsListenBacklog(n), String(n)).to.deep.equal({ requested: n, arg: -n, effective: n });
    }
  });

  it('above 65535 -> SOMAXCONN_HINT(65535), effective 65535, requested kept', function () {
    for (const n of [65536, 100000, 2 ** 31 - 1]) {
      expect(windowsListenBacklog(n), String(n)).to.deep.equal({ requested: n, arg: -65535, effective: 65535 });
    }
  });

  it('listenBacklog dispatches: win32 maps, other OSes pass the number and clamp to maxListenerBacklog()', function () {
    expect(listenBacklog(500, 'win32')).to.deep.equal({ requested: 500, arg: -500, effective: 500 });
    expect(listenBacklog(0, 'win32')).to.deep.equal({ requested: 65535, arg: -65535, effective: 65535 });
    const max = maxListenerBacklog();
    expect(listenBacklog(0, 'linux')).to.deep.equal({ requested: max, arg: max, effective: max });
    expect(listenBacklog(1, 'darwin')).to.deep.equal({ requested: 1, arg: 1, effective: 1 });
    expect(listenBacklog(max + 1, 'freebsd')).to.deep.equal({ requested: max + 1, arg: max + 1, effective: max });
  });
});
