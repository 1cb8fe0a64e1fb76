// Winsock error numbers -> Node's code and errno, and the Winsock name
// (lib/errors/windows.ts). Pure mapping: runs on every OS; the errno
// expected is Node's number for the code on the OS running the test.
import * as util from 'node:util';
import { expect } from 'chai';
import { windowsErrno } from '../dist/errors/windows.js';

function nodeErrno(code) {
  for (const [n, [name]] of util.getSystemErrorMap()) if (name === code) return n;
  return undefined;
}

describe('Winsock errors (errors/windows.ts)', function () {
  it("maps the listener's Winsock errors to Node's codes and keeps the Winsock name", function () {
    for (const [wsa, name, code] of [
      [10048, 'WSAEADDRINUSE', 'EADDRINUSE'],
      [10049, 'WSAEADDRNOTAVAIL', 'EADDRNOTAVAIL'],
      [10013, 'WSAEACCES', 'EACCES'],
      [10038, 'WSAENOTSOCK', 'ENOTSOCK'],
      [10022, 'WSAEINVAL', 'EINVAL'],
      [10024, 'WSAEMFILE', 'EMFILE'],
      [10042, 'WSAENOPROTOOPT', 'ENOPROTOOPT'],
      [10045, 'WSAEOPNOTSUPP', 'ENOTSUP'],
      [10054, 'WSAECONNRESET', 'ECONNRESET'],
      [10055, 'WSAENOBUFS', 'ENOBUFS'],
      [10061, 'WSAECONNREFUSED', 'ECONNREFUSED'],
    ]) {
      const w = windowsErrno(-wsa);
      expect(w.code, name).to.equal(code);
      expect(w.winsockCode, name).to.equal(name);
      expect(w.errno, name).to.equal(nodeErrno(code));
      expect(w.libuv).to.equal(false);
    }
  });

  it('a Winsock error libuv does not know keeps its Winsock name as the code', function () {
    expect(windowsErrno(-10093)).to.deep.equal({
      code: 'WSANOTINITIALISED',
      errno: -10093,
      winsockCode: 'WSANOTINITIALISED',
      libuv: false,
    });
  });

  it('an unknown number is UNKNOWN, with the number kept', function () {
    expect(windowsErrno(-123456)).to.deep.equal({
      code: 'UNKNOWN',
      errno: -123456,
      winsockCode: undefined,
      libuv: false,
    });
  });

  it("libuv's own numbers (the poller's errors) are recognised where this OS uses that range", function () {
    const ebadf = nodeErrno('EBADF');
    const w = windowsErrno(ebadf);
    if (ebadf <= -3000) {
      // Windows: libuv's numbers are its own (-4083 for EBADF).
      expect(w).to.deep.equal({ code: 'EBADF', errno: ebadf, winsockCode: undefined, libuv: true });
    } else {
      // POSIX: libuv's numbers are -errno, outside the range; not a Windows case.
      expect(w.libuv).to.equal(false);
    }
  });
});
