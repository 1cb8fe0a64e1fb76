// Go's File() and FileListener/FilePacketConn (file_unix.go): a listener's
// descriptor handed on and wrapped again, with Go's texts for what is not
// a listening socket (measured with Go 1.19 and 1.27 on Linux: identical).
import { expect } from './expect.mjs';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ListenConfig,
  OpError,
  TCPListener,
  UnixConn,
  UnixListener,
  dialUnix,
  constants,
  fileListener,
  filePacketConn,
  getsockopt,
  listen,
  listenPacket,
} from 'listenconfig';
import { fdCount, thrown, within } from './helpers.mjs';

const posix = process.platform !== 'win32';

function skip(ctx, why) {
  console.log(`    skipped: ${why}`);
  ctx.skip();
}

function connect(opts) {
  return new Promise((resolve, reject) => {
    const c = net.connect(opts);
    c.once('connect', () => resolve(c));
    c.once('error', reject);
  });
}

// fcntl(F_GETFL) without an addon: /proc/self/fdinfo's flags field (octal).
function fdFlags(fd) {
  const m = /^flags:\s+(\d+)$/m.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
  return Number.parseInt(m[1], 8);
}
const O_NONBLOCK = 0o4000;
const O_CLOEXEC = 0o2000000;

describe('ln.file() and fileListener (Go File, FileListener)', function () {
  this.timeout(20_000);
  before(function () {
    if (!posix) skip(this, "Go's File and FileListener are not supported by windows");
  });

  it('file() is a close-on-exec duplicate that stays non-blocking, owned by the caller', async function () {
    if (!fs.existsSync('/proc/self/fdinfo')) return skip(this, 'needs /proc/self/fdinfo to read descriptor flags');
    const ln = await listen('tcp', '127.0.0.1:0');
    const fd = ln.file();
    try {
      expect(fd).to.be.above(2);
      const flags = fdFlags(fd);
      expect(flags & O_NONBLOCK).to.equal(O_NONBLOCK);
      expect(flags & O_CLOEXEC).to.equal(O_CLOEXEC);
      // The same socket: listening, and its queue is the listener's.
      expect(getsockopt(fd, constants.SOL_SOCKET, constants.SO_ACCEPTCONN)).to.equal(1);
      const second = ln.file();
      expect(second).to.not.equal(fd);
      fs.closeSync(second);
    } finally {
      fs.closeSync(fd);
      await ln.close();
    }
  });

  it("file() on a closed listener is Go's ErrClosed text", async () => {
    const ln = await listen('tcp', '127.0.0.1:0');
    const addr = String(ln.addr());
    await ln.close();
    const e = thrown(() => ln.file());
    expect(e).to.be.instanceOf(OpError);
    expect(e.message).to.equal(`file tcp ${addr}: use of closed network connection`);
  });

  it('fileListener(tcp) accepts from the same kernel queue; closing either leaves the other serving', async () => {
    const cfg = new ListenConfig({ backlog: 7 });
    const ln = await cfg.listen('tcp', '127.0.0.1:0');
    const fd = ln.file();
    const ln2 = fileListener(fd);
    fs.closeSync(fd); // the wrap holds its own duplicate
    try {
      expect(ln2).to.be.instanceOf(TCPListener);
      expect(String(ln2.addr())).to.equal(String(ln.addr()));
      expect(ln2.addr().network).to.equal('tcp');
      // No OS keeps listen(2)'s argument; Linux reports the effective one.
      expect(ln2.backlog.requested).to.equal(-1);
      if (process.platform === 'linux') expect(ln2.backlog.effective).to.equal(7);
      await ln.close();
      const c = await connect({ port: ln2.addr().port, host: '127.0.0.1' });
      const s = await within(ln2.accept(), 5000, 'accept on the wrapped listener');
      s.end('hi');
      const got = await new Promise((r) => c.once('data', (d) => r(String(d))));
      expect(got).to.equal('hi');
      c.destroy();
      s.destroy();
    } finally {
      await ln2.close();
    }
  });

  it('keep-alive of accepted connections follows the ListenConfig given', async () => {
    const ln = await listen('tcp', '127.0.0.1:0');
    const fd = ln.file();
    await ln.close();
    const ln2 = fileListener(fd, new ListenConfig({ keepAlive: 42_000 }));
    fs.closeSync(fd);
    try {
      const c = await connect({ port: ln2.addr().port, host: '127.0.0.1' });
      const s = await ln2.accept();
      const { syscallConn } = await import('listenconfig');
      syscallConn(s).control((sfd) => {
        expect(getsockopt(sfd, constants.SOL_SOCKET, constants.SO_KEEPALIVE)).to.equal(1);
        if (constants.TCP_KEEPIDLE !== undefined)
          expect(getsockopt(sfd, constants.IPPROTO_TCP, constants.TCP_KEEPIDLE)).to.equal(42);
      });
      c.destroy();
      s.destroy();
    } finally {
      await ln2.close();
    }
  });

  it('fileListener(unix) serves the path and never removes the socket file', async () => {
    const dir = fs.mkdtempSync(join(tmpdir(), 'lc-file-'));
    const path = join(dir, 's.sock');
    const ln = await listen('unix', path);
    const fd = ln.file();
    const ln2 = fileListener(fd);
    fs.closeSync(fd);
    try {
      expect(ln2).to.be.instanceOf(UnixListener);
      expect(ln2.addr().name).to.equal(path);
      await ln2.close();
      expect(fs.existsSync(path)).to.equal(true);
      const c = await connect({ path });
      const s = await ln.accept();
      c.destroy();
      s.destroy();
    } finally {
      await ln.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fileListener(unixpacket) accepts UnixConns that keep message boundaries', async function () {
    if (process.platform !== 'linux') return skip(this, 'unixpacket is tested on Linux');
    const dir = fs.mkdtempSync(join(tmpdir(), 'lc-file-'));
    const path = join(dir, 'p.sock');
    const ln = await listen('unixpacket', path);
    const fd = ln.file();
    const ln2 = fileListener(fd);
    fs.closeSync(fd);
    // Handed on: the file now serves ln2, so ln must not remove it.
    ln.setUnlinkOnClose(false);
    await ln.close();
    try {
      expect(ln2.addr().network).to.equal('unixpacket');
      const c = await dialUnix('unixpacket', path);
      const s = await within(ln2.accept(), 5000, 'a unixpacket accept');
      expect(s).to.be.instanceOf(UnixConn);
      await c.write(Buffer.from('one'));
      await c.write(Buffer.from('two'));
      const buf = Buffer.alloc(64);
      expect(String(buf.subarray(0, await s.read(buf)))).to.equal('one');
      expect(String(buf.subarray(0, await s.read(buf)))).to.equal('two');
      await c.close();
      await s.close();
    } finally {
      await ln2.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('filePacketConn(unixgram) is a UnixConn on the same socket', async function () {
    if (process.platform !== 'linux') return skip(this, 'unixgram is tested on Linux');
    const dir = fs.mkdtempSync(join(tmpdir(), 'lc-file-'));
    const path = join(dir, 'g.sock');
    const pc = await listenPacket('unixgram', path);
    let fd;
    pc.syscallConn().control((f) => (fd = f));
    const pc2 = filePacketConn(fd);
    await pc.close();
    try {
      expect(pc2).to.be.instanceOf(UnixConn);
      expect(pc2.localAddr().name).to.equal(path);
      const c = await dialUnix('unixgram', path);
      await c.write(Buffer.from('hello'));
      const buf = Buffer.alloc(64);
      const { n } = await within(pc2.readFrom(buf), 5000, 'a datagram');
      expect(String(buf.subarray(0, n))).to.equal('hello');
      await c.close();
    } finally {
      await pc2.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a descriptor that is not a listening socket gets Go's text", async () => {
    const ps = await listenPacket('udp', '127.0.0.1:0');
    const { syscallConn } = await import('listenconfig');
    let udpFd;
    syscallConn(ps).control((fd) => (udpFd = fd));
    const file = fs.openSync(process.execPath, 'r');
    const closed = fs.openSync(process.execPath, 'r');
    fs.closeSync(closed);
    try {
      expect(thrown(() => fileListener(file)).message).to.equal(
        `file file+net ${file}: getsockopt: socket operation on non-socket`,
      );
      expect(thrown(() => filePacketConn(file)).message).to.equal(
        `file file+net ${file}: getsockopt: socket operation on non-socket`,
      );
      const e = thrown(() => fileListener(closed));
      expect(e.message).to.equal(`file file+net ${closed}: fcntl: bad file descriptor`);
      expect(e.code).to.equal('EBADF');
      expect(thrown(() => fileListener(udpFd)).message).to.equal(`file file+net ${udpFd}: invalid argument`);
      const s = await listen('tcp', '127.0.0.1:0');
      const tfd = s.file();
      expect(thrown(() => filePacketConn(tfd)).message).to.equal(`file file+net ${tfd}: invalid argument`);
      fs.closeSync(tfd);
      // Go wraps a stream socket that does not listen; its Accept would
      // wait forever, so this package refuses it: a connected socket here.
      const c = await connect({ port: s.addr().port, host: '127.0.0.1' });
      const conn = await s.accept();
      let cfd;
      syscallConn(conn).control((fd) => (cfd = fd));
      const n = thrown(() => fileListener(cfd));
      expect(n.message).to.match(new RegExp(`^file file\\+net ${cfd}: socket is not listening`));
      expect(n.code).to.equal('ERR_SOCKET_NOT_LISTENING');
      c.destroy();
      conn.destroy();
      await s.close();
    } finally {
      fs.closeSync(file);
      ps.close();
    }
  });

  it("argument errors are Node's", () => {
    for (const [v, code] of [
      ['3', 'ERR_INVALID_ARG_TYPE'],
      [undefined, 'ERR_INVALID_ARG_TYPE'],
      [3n, 'ERR_INVALID_ARG_TYPE'],
      [-1, 'ERR_OUT_OF_RANGE'],
      [1.5, 'ERR_OUT_OF_RANGE'],
      [2 ** 31, 'ERR_OUT_OF_RANGE'],
      [Number.NaN, 'ERR_OUT_OF_RANGE'],
    ]) {
      expect(thrown(() => fileListener(v)).code).to.equal(code);
      expect(thrown(() => filePacketConn(v)).code).to.equal(code);
    }
    expect(thrown(() => fileListener(0, { keepAlive: 1 })).code).to.equal('ERR_INVALID_ARG_TYPE');
  });

  it('bad descriptors leak nothing (1,000 runs)', async () => {
    const file = fs.openSync(process.execPath, 'r');
    const ps = await listenPacket('udp', '127.0.0.1:0');
    const { syscallConn } = await import('listenconfig');
    let udpFd;
    syscallConn(ps).control((fd) => (udpFd = fd));
    // A connected stream socket: not listening.
    const ln = await listen('tcp', '127.0.0.1:0');
    const c = await connect({ port: ln.addr().port, host: '127.0.0.1' });
    const conn = await ln.accept();
    let connFd;
    syscallConn(conn).control((fd) => (connFd = fd));
    // Last, so that no socket above reuses the number.
    const closed = fs.openSync(process.execPath, 'r');
    fs.closeSync(closed);
    const before = fdCount();
    for (let i = 0; i < 1000; i++) {
      for (const fd of [file, closed, udpFd, connFd]) {
        thrown(() => fileListener(fd));
      }
      for (const fd of [file, closed, connFd]) thrown(() => filePacketConn(fd));
    }
    expect(fdCount()).to.equal(before);
    fs.closeSync(file);
    ps.close();
    c.destroy();
    conn.destroy();
    await ln.close();
  });

  it('filePacketConn(udp) is a receiving dgram.Socket on the same port', async () => {
    const ps = await listenPacket('udp4', '127.0.0.1:0');
    const { syscallConn } = await import('listenconfig');
    let fd;
    syscallConn(ps).control((f) => (fd = f));
    const ds = filePacketConn(fd);
    ps.close();
    try {
      expect(ds).to.be.instanceOf(dgram.Socket);
      const port = ds.address().port;
      const got = new Promise((r) => ds.once('message', (m) => r(String(m))));
      const c = dgram.createSocket('udp4');
      c.send('ping', port, '127.0.0.1');
      expect(await within(got, 5000, 'a datagram')).to.equal('ping');
      c.close();
    } finally {
      ds.close();
    }
  });
});
