// syscallConn(conn): Go's TCPConn.SyscallConn (and UnixConn's) for the
// connections this package's listeners accept, so socket options can be
// read and set on a connection without reaching into _handle.
import { expect } from './expect.mjs';
import * as net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listen, syscallConn, constants, getsockopt, setsockopt, OpError, ErrClosed } from 'listenconfig';
import { dial, thrown, within } from './helpers.mjs';

describe('syscallConn(conn): the raw socket of an accepted connection', function () {
  it('TestTCPConnSyscallConn: getsockopt and setsockopt on an accepted TCP connection, ErrClosed after destroy', async function () {
    const ln = await listen('tcp', '127.0.0.1:0');
    const client = dial(ln.addr().port).sock;
    try {
      const conn = await within(ln.accept(), 2000, 'accept');
      const raw = syscallConn(conn);
      // Go's defaults, read from the connection itself.
      expect(raw.control((fd) => getsockopt(fd, constants.IPPROTO_TCP, constants.TCP_NODELAY, 'bool'))).to.equal(true);
      expect(raw.control((fd) => getsockopt(fd, constants.SOL_SOCKET, constants.SO_KEEPALIVE, 'bool'))).to.equal(true);
      raw.control((fd) => setsockopt(fd, constants.SOL_SOCKET, constants.SO_KEEPALIVE, 0));
      expect(raw.control((fd) => getsockopt(fd, constants.SOL_SOCKET, constants.SO_KEEPALIVE, 'bool'))).to.equal(false);
      const local = `127.0.0.1:${conn.localPort}`;
      conn.destroy();
      const e = thrown(() => raw.control(() => undefined));
      expect(e).to.be.instanceOf(OpError);
      expect(e.err).to.equal(ErrClosed);
      // Go 1.19: `raw-control tcp 127.0.0.1:P: use of closed network connection`.
      expect(e.message).to.equal(`raw-control tcp ${local}: use of closed network connection`);
      // Go's SyscallConn on a closed conn succeeds; its Control fails. This
      // one's name was read by the first syscallConn().
      const late = syscallConn(conn);
      expect(() => late.control(() => undefined)).to.throw(
        OpError,
        `raw-control tcp ${local}: use of closed network connection`,
      );
    } finally {
      client.destroy();
      await ln.close();
    }
  });

  it('a connection destroyed before any syscallConn() gets a RawConn that fails with ErrClosed, naming nothing it cannot know', async function () {
    const ln = await listen('tcp', '127.0.0.1:0');
    const client = dial(ln.addr().port).sock;
    try {
      const conn = await within(ln.accept(), 2000, 'accept');
      conn.destroy();
      const raw = syscallConn(conn);
      const e = thrown(() => raw.control(() => undefined));
      expect(e).to.be.instanceOf(OpError);
      expect(e.err).to.equal(ErrClosed);
      expect(e.message).to.equal('raw-control: use of closed network connection');
    } finally {
      client.destroy();
      await ln.close();
    }
  });

  it('TestUnixConnSyscallConn: an accepted unix connection has one too', async function () {
    if (process.platform === 'win32') {
      console.log('    skipped: unix listeners are not supported on Windows');
      this.skip();
    }
    const dir = mkdtempSync(join(tmpdir(), 'lc-raw-'));
    const ln = await listen('unix', join(dir, 's.sock'));
    const client = net.connect(join(dir, 's.sock'));
    try {
      const conn = await within(ln.accept(), 2000, 'accept');
      const raw = syscallConn(conn);
      const type = raw.control((fd) => getsockopt(fd, constants.SOL_SOCKET, constants.SO_TYPE));
      expect(type).to.equal(constants.SOCK_STREAM);
      conn.destroy();
      // Go names the accepted conn's local address, the listener's path.
      expect(() => raw.control(() => undefined)).to.throw(
        OpError,
        `raw-control unix ${join(dir, 's.sock')}: use of closed network connection`,
      );
    } finally {
      client.destroy();
      await ln.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses what has no socket of its own: a plain object, an unconnected net.Socket', function () {
    for (const bad of [{}, new net.Socket()]) {
      expect(() => syscallConn(bad))
        .to.throw(TypeError)
        .with.property('code', 'ERR_INVALID_ARG_TYPE');
    }
  });
});
