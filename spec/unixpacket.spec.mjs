// Unix seqpacket sockets, as Go's listen("unixpacket", …) (unixsock.go;
// its tests TestUnixConnSpecificMethods, TestUnixAndUnixpacketServer): a
// UnixListener with the pull accept of every listener, whose connections
// keep message boundaries: one read() is one message, a longer message is
// cut and readMsgUnix says MSG_TRUNC, 0 is the peer's close (Go's io.EOF).
import { expect } from './expect.mjs';
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ListenConfig,
  UnixListener,
  UnixConn,
  UnixAddr,
  OpError,
  ErrClosed,
  listen,
  dialUnix,
  unixRights,
  parseUnixRights,
  constants,
} from 'listenconfig';
import { expectSameFdCount, thrown, within, skip } from './helpers.mjs';

describe('unixpacket listeners and message connections (Go: Listen("unixpacket", …))', function () {
  let dir;
  before(function () {
    if (process.platform === 'win32') return;
    dir = mkdtempSync(join(tmpdir(), 'lc-packet-'));
  });
  after(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('Windows: refused, saying why (Winsock has stream unix sockets only)', async function () {
    if (process.platform !== 'win32') return skip(this, 'a Windows behaviour');
    const e = await listen('unixpacket', 'x.sock').catch((e) => e);
    expect(e.code).to.equal('ERR_UNSUPPORTED_NETWORK');
    expect(e.message).to.match(/^listen unixpacket x\.sock: network unixpacket is not supported on Windows/);
  });

  describe('on POSIX', function () {
    before(function () {
      if (process.platform === 'win32') skip(this, 'unix message sockets are refused on Windows');
    });

    it('serve() and limitListener() refuse a unixpacket listener, saying why', async function () {
      const { serve, limitListener } = await import('listenconfig');
      const http = await import('node:http');
      const path = join(dir, 'serve.sock');
      const ln = await listen('unixpacket', path);
      try {
        const server = http.createServer((_q, r) => r.end('x'));
        for (const call of [() => serve(ln, server), () => limitListener(ln, 2)]) {
          let e;
          try {
            call();
          } catch (err) {
            e = err;
          }
          expect(e, 'a synchronous argument error').to.be.instanceOf(TypeError);
          expect(e.code).to.equal('ERR_INVALID_ARG_VALUE');
          expect(e.message).to.match(/unixpacket listener, whose accept\(\) yields UnixConn message connections/);
        }
        // The listener is untouched: still open, and the server not listening.
        expect(server.listening).to.equal(false);
        const c = await dialUnix('unixpacket', path);
        const s = await within(ln.accept(), 2000, 'accept after the refusal');
        await s.close();
        await c.close();
      } finally {
        await ln.close();
      }
    });

    it("writeTo and writeMsgUnix are Go 1.27's: an accepted conn is not 'connected', a dialed one is", async function () {
      // Each result measured with Go 1.27.3 (go.mod `go 1.27`).
      const path = join(dir, 'texts.sock');
      const ln = await listen('unixpacket', path);
      try {
        const c = await dialUnix('unixpacket', path);
        const s = await within(ln.accept(), 2000, 'accept');
        const to = new UnixAddr(path, 'unixpacket');
        // Go sets isConnected in dial only: an accepted conn's writeTo goes
        // to the kernel, which ignores the address of a seqpacket send.
        if (process.platform === 'linux') {
          expect(await s.writeTo(Buffer.from('a'), to)).to.equal(1);
          expect(await s.writeMsgUnix(Buffer.from('b'), null, to)).to.deep.equal({ n: 1, oobn: 0 });
          expect(await c.writeMsgUnix(Buffer.from('c'), null, to)).to.deep.equal({ n: 1, oobn: 0 });
        }
        const e = await c.writeTo(Buffer.from('x'), to).catch((e) => e);
        expect(e.err.message).to.equal('use of WriteTo with pre-connected connection');
        if (process.platform === 'linux') {
          expect(e.message).to.equal(`write unixpacket @->${path}: use of WriteTo with pre-connected connection`);
        }
        await c.close();
        await new Promise((r) => setTimeout(r, 10));
        // To the connected peer (addr null), Go's Addr is nil: only the local name.
        const e2 = await s.writeMsgUnix(Buffer.from('x'), null, null).catch((e) => e);
        expect(e2).to.be.instanceOf(OpError);
        expect(e2.message).to.match(
          new RegExp(`^write unixpacket ${path}: sendmsg: (broken pipe|connection reset by peer)$`),
        );
        await s.close();
      } finally {
        await ln.close();
      }
    });

    it('accept() yields UnixConns; one read is one message, both ways', async function () {
      const path = join(dir, 'a.sock');
      const ln = await listen('unixpacket', path);
      try {
        expect(ln).to.be.instanceOf(UnixListener);
        expect(ln.addr().network).to.equal('unixpacket');
        expect(getSoType(ln)).to.equal(constants.SOCK_SEQPACKET);
        const c = await dialUnix('unixpacket', path);
        const s = await within(ln.accept(), 2000, 'accept');
        expect(s).to.be.instanceOf(UnixConn);
        expect(String(s.localAddr())).to.equal(path);
        await c.write(Buffer.from('first'));
        await c.write(Buffer.from('second'));
        const buf = Buffer.alloc(64);
        let n = await s.read(buf);
        expect(buf.subarray(0, n).toString()).to.equal('first');
        n = await s.read(buf);
        expect(buf.subarray(0, n).toString()).to.equal('second');
        await s.write(Buffer.from('reply'));
        n = await within(c.read(buf), 2000, 'read');
        expect(buf.subarray(0, n).toString()).to.equal('reply');
        // The peer's close: 0, Go's io.EOF.
        await c.close();
        expect(await within(s.read(buf), 2000, 'read at EOF')).to.equal(0);
        await s.close();
      } finally {
        await ln.close();
      }
      expect(existsSync(path)).to.equal(false);
    });

    it("a message larger than the buffer is cut; readMsgUnix reports MSG_TRUNC (Go's ReadMsgUnix flags)", async function () {
      const path = join(dir, 'trunc.sock');
      const ln = await listen('unixpacket', path);
      const c = await dialUnix('unixpacket', path);
      const s = await ln.accept();
      try {
        await c.write(Buffer.from('0123456789'));
        await c.write(Buffer.from('ab'));
        const small = Buffer.alloc(4);
        const r = await s.readMsgUnix(small);
        expect(r.n).to.equal(4);
        expect(small.toString()).to.equal('0123');
        expect(r.flags & constants.MSG_TRUNC).to.equal(constants.MSG_TRUNC);
        const r2 = await s.readMsgUnix(small);
        expect(small.subarray(0, r2.n).toString()).to.equal('ab');
        expect(r2.flags & constants.MSG_TRUNC).to.equal(0);
      } finally {
        await c.close();
        await s.close();
        await ln.close();
      }
    });

    it('peer credentials (SO_PEERCRED) of both ends are this process', async function () {
      if (process.platform !== 'linux') return skip(this, "SO_PEERCRED is Linux's");
      const path = join(dir, 'cred.sock');
      const ln = await listen('unixpacket', path);
      const c = await dialUnix('unixpacket', path);
      const s = await ln.accept();
      try {
        const want = { pid: process.pid, uid: process.getuid(), gid: process.getgid() };
        expect(s.peerCredentials()).to.deep.equal(want);
        expect(c.peerCredentials()).to.deep.equal(want);
      } finally {
        await c.close();
        await s.close();
        await ln.close();
      }
      expect(() => s.peerCredentials()).to.throw(OpError, /use of closed network connection/);
    });

    it("names and errors as Go 1.19's (measured): an unnamed peer is '@', `read unixpacket PATH->@: i/o timeout`", async function () {
      if (process.platform !== 'linux') return skip(this, "Go's '@' for an unnamed socket is Linux's");
      const path = join(dir, 'names.sock');
      const ln = await listen('unixpacket', path);
      const c = await dialUnix('unixpacket', path);
      const s = await ln.accept();
      try {
        expect(String(s.remoteAddr())).to.equal('@');
        expect(String(c.localAddr())).to.equal('@');
        expect(String(c.remoteAddr())).to.equal(path);
        s.setReadDeadline(new Date(Date.now() - 1000));
        const e = await s.read(Buffer.alloc(4)).catch((e) => e);
        expect(e.message).to.equal(`read unixpacket ${path}->@: i/o timeout`);
        ln.setDeadline(new Date(0));
        const a = await ln.accept().catch((e) => e);
        expect(a.message).to.equal(`accept unixpacket ${path}: i/o timeout`);
      } finally {
        await c.close();
        await s.close();
        await ln.close();
      }
      // Go 1.27's UnixListener.SetDeadline: ErrClosed itself, no OpError.
      expect(thrown(() => ln.setDeadline(null))).to.equal(ErrClosed);
    });

    it('passes a descriptor over an accepted connection', async function () {
      const path = join(dir, 'fd.sock');
      const ln = await listen('unixpacket', path);
      const c = await dialUnix('unixpacket', path);
      const s = await ln.accept();
      const file = join(dir, 'f.txt');
      writeFileSync(file, 'seqpacket fd');
      const fd = openSync(file, 'r');
      try {
        await c.writeMsgUnix(Buffer.from('m'), unixRights(fd));
        const oob = Buffer.alloc(64);
        const r = await s.readMsgUnix(Buffer.alloc(4), oob);
        const [got] = parseUnixRights(oob, r.oobn);
        expect(readFileSync(got, 'utf8')).to.equal('seqpacket fd');
        closeSync(got);
      } finally {
        closeSync(fd);
        await c.close();
        await s.close();
        await ln.close();
      }
    });

    it('for await over a unixpacket listener yields UnixConns, and ends at close', async function () {
      const path = join(dir, 'iter.sock');
      const ln = await listen('unixpacket', path);
      const clients = [await dialUnix('unixpacket', path), await dialUnix('unixpacket', path)];
      const seen = [];
      const loop = (async () => {
        for await (const c of ln) {
          seen.push(c instanceof UnixConn);
          await c.close();
          if (seen.length === 2) await ln.close();
        }
      })();
      await within(loop, 3000, 'the loop ending');
      expect(seen).to.deep.equal([true, true]);
      for (const c of clients) await c.close();
    });

    it('backlog and pull accept as for stream listeners: nobody accepting, connections wait in the kernel', async function () {
      const path = join(dir, 'pull.sock');
      const ln = await new ListenConfig({ backlog: 2 }).listen('unixpacket', path);
      const clients = [];
      try {
        // Nobody accepts: the kernel completes backlog + 1 connects (Linux's
        // unix_recvq_full is `>`), and a non-blocking connect beyond that
        // fails with EAGAIN, as Go's dial does. An eager accept would let
        // every dial through.
        const results = await Promise.all(
          Array.from({ length: 6 }, () => dialUnix('unixpacket', path).catch((e) => e)),
        );
        for (const r of results) if (r instanceof UnixConn) clients.push(r);
        const failed = results.filter((r) => !(r instanceof UnixConn));
        if (process.platform === 'linux') {
          expect(clients.length, 'connects completed before any accept').to.equal(3);
          for (const e of failed) expect(e.code).to.equal('EAGAIN');
        } else {
          expect(clients.length).to.be.at.most(4);
        }
        // They were waiting in the kernel: each accept takes one.
        for (let i = 0; i < clients.length; i++) await (await within(ln.accept(), 2000, 'accept')).close();
        ln.setDeadline(new Date(Date.now() + 100));
        const more = await ln.accept().catch((e) => e);
        expect(more.timeout(), 'nothing else queued').to.equal(true);
      } finally {
        for (const c of clients) await c.close();
        await ln.close();
      }
    });

    it('Control runs with ("unixpacket", path) before bind; bind errors are Go\'s', async function () {
      const path = join(dir, 'ctl.sock');
      const seen = [];
      const ln = await new ListenConfig({
        control(network, address) {
          seen.push([network, address]);
        },
      }).listen('unixpacket', path);
      try {
        expect(seen).to.deep.equal([['unixpacket', path]]);
        const e = await listen('unixpacket', path).catch((e) => e);
        expect(e.message).to.equal(`listen unixpacket ${path}: bind: address already in use`);
      } finally {
        await ln.close();
      }
    });

    it("close() rejects a pending read with ErrClosed, no unhandled rejection; close twice is Go's", async function () {
      const path = join(dir, 'close.sock');
      const ln = await listen('unixpacket', path);
      const c = await dialUnix('unixpacket', path);
      const s = await ln.accept();
      const pending = s.read(Buffer.alloc(4));
      s.read(Buffer.alloc(4)); // left pending on purpose: must not be an unhandled rejection
      await s.close();
      const e = await pending.catch((e) => e);
      expect(e.err).to.equal(ErrClosed);
      expect(e.message).to.match(new RegExp(`^read unixpacket ${path}.*: use of closed network connection$`));
      const e2 = await s.close().catch((e) => e);
      expect(e2.err).to.equal(ErrClosed);
      await c.close();
      await ln.close();
    });

    it('leaks no descriptor on any failure path (each 1,000 times, counted in /proc/self/fd)', async function () {
      if (process.platform !== 'linux') return skip(this, 'counts /proc/self/fd');
      this.timeout(60_000);
      const path = join(dir, 'leak.sock');
      const ln = await listen('unixpacket', path);
      const failing = new ListenConfig({
        control() {
          throw new Error('no');
        },
      });
      await expectSameFdCount(async () => {
        for (let i = 0; i < 1000; i++) {
          await listen('unixpacket', path).catch(() => {}); // EADDRINUSE
          await failing.listen('unixpacket', join(dir, 'never.sock')).catch(() => {});
          await dialUnix('unixpacket', join(dir, 'none.sock')).catch(() => {});
          const c = await dialUnix('unixpacket', path);
          const s = await ln.accept();
          const r = s.read(Buffer.alloc(1));
          await s.close();
          await r.catch(() => {});
          await c.close();
        }
      });
      await ln.close();
    });

    it('exchanges messages and a descriptor with a Python peer (socket.SOCK_SEQPACKET)', async function () {
      try {
        execFileSync('python3', ['-c', 'import socket'], { stdio: 'ignore' });
      } catch {
        return skip(this, 'python3 is not installed');
      }
      const path = join(dir, 'py.sock');
      const ln = await listen('unixpacket', path);
      const py = spawn('python3', [
        '-c',
        `
import socket, array, os
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(${JSON.stringify(path)})
s.send(b'one')
s.send(b'two')
r, w = os.pipe()
os.write(w, b'pipe from python')
os.close(w)  # so that the reader meets end of file
s.sendmsg([b'fd'], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array('i', [r]))])
print(s.recv(100).decode(), flush=True)
`,
      ]);
      let out = '';
      py.stdout.on('data', (d) => (out += d));
      try {
        const s = await within(ln.accept(), 5000, 'python connecting');
        const buf = Buffer.alloc(16);
        const got = [];
        for (let i = 0; i < 2; i++) got.push(buf.subarray(0, await s.read(buf)).toString());
        expect(got).to.deep.equal(['one', 'two']);
        const oob = Buffer.alloc(64);
        const r = await s.readMsgUnix(buf, oob);
        expect(buf.subarray(0, r.n).toString()).to.equal('fd');
        const [fd] = parseUnixRights(oob, r.oobn);
        expect(readFileSync(fd, 'utf8')).to.equal('pipe from python');
        closeSync(fd);
        await s.write(Buffer.from('bye from node'));
        await within(new Promise((resolve) => py.once('exit', resolve)), 5000, 'python exiting');
        expect(out.trim()).to.equal('bye from node');
        await s.close();
      } finally {
        py.kill();
        await ln.close();
      }
    });
  });
});

function getSoType(ln) {
  return ln.syscallConn().control((fd) => {
    const b = new Uint8Array(4);
    // getsockopt via the package, as a user would.
    return fd >= 0 ? readSoType(fd, b) : -1;
  });
}

import { getsockopt } from 'listenconfig';
function readSoType(fd) {
  return getsockopt(fd, constants.SOL_SOCKET, constants.SO_TYPE);
}
