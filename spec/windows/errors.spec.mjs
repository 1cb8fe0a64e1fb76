// TestListenErrorsWindows: bad input fails with Go's texts; Winsock errors
// carry Node's code and the Winsock name; no failure leaks a SOCKET.
import { expect } from '../expect.mjs';
import { ListenConfig, listen, setsockopt, constants as C } from 'listenconfig';
import { binding } from '../../dist/native.js';
import { onlyWindows, wine } from './helpers.mjs';

async function failure(p) {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e) => e,
  );
}

// Windows hands out the lowest free handle value again (so does Wine): a
// new socket's value creeps up only if earlier sockets were never closed.
function nextSocketValue() {
  const s = binding.socket(binding.constants.AF_INET, binding.constants.SOCK_STREAM, 0);
  expect(s).to.be.above(0);
  binding.close(s);
  return s;
}

describe('Windows: errors', function () {
  before(function () {
    onlyWindows(this);
  });

  it("option and address errors have Go's texts", async function () {
    expect(() => new ListenConfig({ backlog: -1 })).to.throw(RangeError, /"backlog" is out of range/);
    expect(() => new ListenConfig({ backlog: 'abc' })).to.throw(TypeError);
    expect((await failure(listen('tcpx', ':0'))).message).to.equal('listen tcpx: unknown network tcpx');
    expect((await failure(listen('tcp', ':99999'))).message).to.equal('listen tcp: address 99999: invalid port');
    expect((await failure(listen('tcp', '127.0.0.1'))).message).to.equal(
      'listen tcp: address 127.0.0.1: missing port in address',
    );
  });

  it("a port in use: bind fails with code EADDRINUSE, winsockCode WSAEADDRINUSE and Windows' text", async function () {
    const ln = await listen('tcp4', '127.0.0.1:0');
    try {
      const err = await failure(listen('tcp4', ln.addr().toString()));
      expect(err.name).to.equal('OpError');
      expect(err.code).to.equal('EADDRINUSE');
      expect(err.syscall).to.equal('bind');
      expect(err.err.winsockCode).to.equal('WSAEADDRINUSE');
      // Go's text is FormatMessage's: "Only one usage of each socket address
      // (protocol/network address/port) is normally permitted." on Windows;
      // Wine has no text for Winsock errors, and Go then says "winapi error #10048".
      const text = binding.strerror(-10048);
      expect(err.message).to.equal(`listen tcp4 ${ln.addr()}: bind: ${text}`);
      if (wine) expect(text).to.equal('winapi error #10048');
      else expect(text).to.match(/^Only one usage of each socket address/);
    } finally {
      await ln.close();
    }
  });

  it('an address not on this machine: bind fails with EADDRNOTAVAIL', async function () {
    const err = await failure(listen('tcp4', '192.0.2.1:0'));
    expect(err.code).to.equal('EADDRNOTAVAIL');
    expect(err.err.winsockCode).to.equal('WSAEADDRNOTAVAIL');
    expect(err.message).to.match(/^listen tcp4 192\.0\.2\.1:0: bind: /);
  });

  it('setsockopt on something that is not a socket: ENOTSOCK (WSAENOTSOCK)', function () {
    let err;
    try {
      setsockopt(0x7ffffffc, C.SOL_SOCKET, C.SO_RCVBUF, 1024);
    } catch (e) {
      err = e;
    }
    expect(err?.name).to.equal('SyscallError');
    expect(err.code).to.equal('ENOTSOCK');
    expect(err.winsockCode).to.equal('WSAENOTSOCK');
    expect(err.message).to.match(/^setsockopt: /);
  });

  it('no SOCKET leaks over 300 failed listens (bind in use, Control throwing, abort)', async function () {
    this.timeout(60000);
    const ln = await listen('tcp4', '127.0.0.1:0');
    try {
      const before = nextSocketValue();
      const thrower = new ListenConfig({
        control() {
          throw new Error('no');
        },
      });
      for (let i = 0; i < 100; i++) {
        await failure(listen('tcp4', ln.addr().toString()));
        await failure(thrower.listen('tcp4', '127.0.0.1:0'));
        const ac = new AbortController();
        const aborting = new ListenConfig({ control: () => ac.abort() });
        await failure(aborting.listen('tcp4', '127.0.0.1:0', { signal: ac.signal }));
      }
      const after = nextSocketValue();
      // 300 leaked SOCKETs would move the next value by 1200; allow a few
      // handles the runtime may have opened meanwhile.
      expect(after - before, `next SOCKET value went from ${before} to ${after}`).to.be.below(64);
    } finally {
      await ln.close();
    }
  });
});
