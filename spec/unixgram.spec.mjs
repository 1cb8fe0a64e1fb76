// Unix datagram sockets, as Go's (unixsock.go: ListenUnixgram, ReadFrom,
// WriteTo, ReadMsgUnix, WriteMsgUnix; its tests TestUnixgramZeroBytePayload,
// TestUnixgramWrite, TestUnixConnLocalAndRemoteNames): one datagram per
// call, the sender's address, Control on the one socket() path, Go's
// errors. Peers: the package itself and Python's socket module.
import { expect } from './expect.mjs';
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ListenConfig,
  UnixAddr,
  UnixConn,
  OpError,
  ErrClosed,
  listenPacket,
  dialUnix,
  unixRights,
  parseUnixRights,
  constants,
} from 'listenconfig';
import { expectSameFdCount, fdCount, until, within, skip, expectRejection } from './helpers.mjs';

function hasPython() {
  try {
    execFileSync('python3', ['-c', 'import socket'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('unixgram message sockets (Go: ListenPacket("unixgram", …), *UnixConn)', function () {
  let dir;
  before(function () {
    if (process.platform === 'win32') return;
    dir = mkdtempSync(join(tmpdir(), 'lc-gram-'));
  });
  after(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('Windows: refused, saying why (Winsock has stream unix sockets only)', async function () {
    if (process.platform !== 'win32') return skip(this, 'a Windows behaviour');
    const e = await listenPacket('unixgram', 'x.sock').catch((e) => e);
    expect(e.code).to.equal('ERR_UNSUPPORTED_NETWORK');
    expect(e.message).to.match(/^listen unixgram x\.sock: network unixgram is not supported on Windows/);
  });

  describe('on POSIX', function () {
    before(function () {
      if (process.platform === 'win32') skip(this, 'unix message sockets are refused on Windows');
    });

    it("writeTo and readFrom carry one datagram each, with the sender as Go's UnixAddr", async function () {
      const a = await listenPacket('unixgram', join(dir, 'a.sock'));
      const b = await listenPacket('unixgram', join(dir, 'b.sock'));
      try {
        expect(a).to.be.instanceOf(UnixConn);
        expect(a.localAddr()).to.be.instanceOf(UnixAddr);
        expect(a.localAddr().network).to.equal('unixgram');
        expect(String(a.localAddr())).to.equal(join(dir, 'a.sock'));
        expect(a.remoteAddr()).to.equal(null);
        const pending = b.readFrom(Buffer.alloc(64));
        expect(await a.writeTo(Buffer.from('one'), join(dir, 'b.sock'))).to.equal(3);
        expect(await a.writeTo(Buffer.from('two!'), b.localAddr())).to.equal(4);
        const r1 = await within(pending, 2000, 'readFrom');
        expect(r1.n).to.equal(3);
        expect(String(r1.addr)).to.equal(join(dir, 'a.sock'));
        const buf = Buffer.alloc(64);
        const r2 = await b.readFrom(buf);
        expect(buf.subarray(0, r2.n).toString()).to.equal('two!');
      } finally {
        await a.close();
        await b.close();
      }
    });

    it('a zero-byte datagram is a message (TestUnixgramZeroBytePayload)', async function () {
      const a = await listenPacket('unixgram', '');
      const b = await listenPacket('unixgram', '');
      try {
        await a.writeTo(new Uint8Array(0), b.localAddr());
        const r = await within(b.readFrom(Buffer.alloc(8)), 2000, 'readFrom');
        expect(r.n).to.equal(0);
        expect(String(r.addr)).to.equal(String(a.localAddr()));
      } finally {
        await a.close();
        await b.close();
      }
    });

    it("read() with an empty buffer takes no message: Go's Read returns (0, nil) without a system call", async function () {
      const a = await listenPacket('unixgram', '');
      const b = await dialUnix('unixgram', String(a.localAddr()));
      try {
        await b.write(Buffer.from('abc'));
        expect(await within(a.read(Buffer.alloc(0)), 2000, 'read(empty)')).to.equal(0);
        // Even with nothing queued it resolves at once.
        expect(await within(b.read(new Uint8Array(0)), 2000, 'read(empty) of an idle socket')).to.equal(0);
        const buf = Buffer.alloc(8);
        const n = await within(a.read(buf), 2000, 'the next read');
        expect(buf.subarray(0, n).toString()).to.equal('abc');
      } finally {
        await a.close();
        await b.close();
      }
      // Go checks the close first (fd.readLock).
      const e = await a.read(Buffer.alloc(0)).catch((e) => e);
      expect(e.err).to.equal(ErrClosed);
    });

    it("'' autobinds an abstract name and '@name' binds one (Linux)", async function () {
      if (process.platform !== 'linux') return skip(this, "the abstract namespace is Linux's");
      const auto = await listenPacket('unixgram', '');
      const name = `@lc-gram-${process.pid}`;
      const named = await listenPacket('unixgram', name);
      try {
        expect(String(auto.localAddr())).to.match(/^@[0-9a-f]{5}$/);
        expect(String(named.localAddr())).to.equal(name);
        await auto.writeTo(Buffer.from('hi'), name);
        const r = await within(named.readFrom(Buffer.alloc(8)), 2000, 'readFrom');
        expect(String(r.addr)).to.equal(String(auto.localAddr()));
      } finally {
        await auto.close();
        await named.close();
      }
    });

    it('a datagram larger than the buffer is cut, and readMsgUnix says so with MSG_TRUNC', async function () {
      const a = await listenPacket('unixgram', '');
      const b = await listenPacket('unixgram', join(dir, 'trunc.sock'));
      try {
        await a.writeTo(Buffer.from('abcdefgh'), b.localAddr());
        await a.writeTo(Buffer.from('next'), b.localAddr());
        const buf = Buffer.alloc(3);
        const r = await b.readMsgUnix(buf);
        expect(r.n).to.equal(3);
        expect(buf.toString()).to.equal('abc');
        expect(r.flags & constants.MSG_TRUNC).to.equal(constants.MSG_TRUNC);
        // The rest of the datagram is gone: the next read is the next datagram.
        const big = Buffer.alloc(16);
        const r2 = await b.readMsgUnix(big);
        expect(big.subarray(0, r2.n).toString()).to.equal('next');
        expect(r2.flags & constants.MSG_TRUNC).to.equal(0);
      } finally {
        await a.close();
        await b.close();
      }
    });

    it('passes descriptors (SCM_RIGHTS): unixRights to writeMsgUnix, readMsgUnix to parseUnixRights', async function () {
      const a = await listenPacket('unixgram', '');
      const b = await listenPacket('unixgram', '');
      const file = join(dir, 'passed.txt');
      const { writeFileSync } = await import('node:fs');
      writeFileSync(file, 'passed through a socket');
      const fd = openSync(file, 'r');
      try {
        const w = await a.writeMsgUnix(Buffer.from('f'), unixRights(fd, fd), b.localAddr());
        expect(w.n).to.equal(1);
        expect(w.oobn).to.equal(unixRights(fd, fd).length);
        const oob = Buffer.alloc(128);
        const r = await within(b.readMsgUnix(Buffer.alloc(8), oob), 2000, 'readMsgUnix');
        const fds = parseUnixRights(oob, r.oobn);
        expect(fds).to.have.length(2);
        expect(fds[0]).to.not.equal(fd);
        expect(readFileSync(fds[0], 'utf8')).to.equal('passed through a socket');
        // Close-on-exec, as Go's ReadMsgUnix makes them (MSG_CMSG_CLOEXEC).
        if (process.platform === 'linux') {
          const flags = readFileSync(`/proc/self/fdinfo/${fds[1]}`, 'utf8').match(/flags:\s+(\d+)/)[1];
          expect(Number.parseInt(flags, 8) & 0o2000000).to.equal(0o2000000);
        }
        for (const f of fds) closeSync(f);
      } finally {
        closeSync(fd);
        await a.close();
        await b.close();
      }
    });

    it('descriptors that do not fit (MSG_CTRUNC) or are not asked for are not left open; queued ones go at close', async function () {
      if (process.platform !== 'linux') return skip(this, 'counts descriptors in /proc/self/fd (Linux)');
      const a = await listenPacket('unixgram', '');
      const b = await listenPacket('unixgram', '');
      const f = [0, 1, 2].map(() => openSync(join(dir, 'passed.txt'), 'w'));
      try {
        // readFrom and read give no room for ancillary data: the kernel
        // cuts it and closes what it carried.
        let before = fdCount();
        for (let i = 0; i < 100; i++) {
          await a.writeMsgUnix(Buffer.from('x'), unixRights(...f), b.localAddr());
          await within(i % 2 ? b.readFrom(Buffer.alloc(8)) : b.read(Buffer.alloc(8)), 2000, 'read');
        }
        expect(fdCount() - before, 'growth after 100 readFrom/read of 3 rights').to.equal(0);
        // readMsgUnix with room for one descriptor: MSG_CTRUNC, one
        // received (the caller's to close), the other two closed.
        const oob = Buffer.alloc(unixRights().length + 4); // a header and one int
        before = fdCount();
        for (let i = 0; i < 100; i++) {
          await a.writeMsgUnix(Buffer.from('x'), unixRights(...f), b.localAddr());
          const r = await within(b.readMsgUnix(Buffer.alloc(8), oob), 2000, 'readMsgUnix');
          expect(r.flags & constants.MSG_CTRUNC, 'MSG_CTRUNC').to.equal(constants.MSG_CTRUNC);
          const fds = parseUnixRights(oob, r.oobn);
          expect(fds).to.have.length(1);
          closeSync(fds[0]);
        }
        expect(fdCount() - before, 'growth after 100 cut readMsgUnix').to.equal(0);
        // Rights still queued at close are the kernel's to close.
        before = fdCount();
        for (let i = 0; i < 50; i++) {
          const c = await listenPacket('unixgram', '');
          await a.writeMsgUnix(Buffer.from('x'), unixRights(...f), c.localAddr());
          await c.close();
        }
        await until(() => fdCount() <= before, 2000, 'queued rights closed with their socket');
      } finally {
        for (const x of f) closeSync(x);
        await a.close();
        await b.close();
      }
    });

    it('unixRights and parseUnixRights validate their arguments', function () {
      expect(() => unixRights(-1))
        .to.throw(TypeError)
        .with.property('code', 'ERR_INVALID_ARG_TYPE');
      expect(() => unixRights('3'))
        .to.throw(TypeError)
        .with.property('code', 'ERR_INVALID_ARG_TYPE');
      expect(() => parseUnixRights('x'))
        .to.throw(TypeError)
        .with.property('code', 'ERR_INVALID_ARG_TYPE');
      expect(parseUnixRights(unixRights(7, 8, 9))).to.deep.equal([7, 8, 9]);
      expect(parseUnixRights(new Uint8Array(0))).to.deep.equal([]);
    });

    it("dialUnix makes a connected socket: write()/read() without an address, writeTo refused as Go's", async function () {
      const server = await listenPacket('unixgram', join(dir, 'srv.sock'));
      const c = await dialUnix('unixgram', join(dir, 'srv.sock'));
      try {
        expect(String(c.remoteAddr())).to.equal(join(dir, 'srv.sock'));
        expect(await c.write(Buffer.from('ping'))).to.equal(4);
        const r = await within(server.readFrom(Buffer.alloc(8)), 2000, 'readFrom');
        // An unbound client has no name: Go's nil address.
        expect(r.addr).to.equal(null);
        const e = await c.writeTo(Buffer.from('x'), join(dir, 'srv.sock')).catch((e) => e);
        expect(e).to.be.instanceOf(OpError);
        // An unnamed socket's own name is '@' on Linux, as Go 1.19 prints it (measured):
        // `write unixgram @->/path: use of WriteTo with pre-connected connection`.
        const anon = process.platform === 'linux' ? '@->' : '';
        expect(e.message).to.equal(
          `write unixgram ${anon}${join(dir, 'srv.sock')}: use of WriteTo with pre-connected connection`,
        );
        if (process.platform === 'linux') expect(String(c.localAddr())).to.equal('@');
        const bound = await dialUnix('unixgram', join(dir, 'srv.sock'), { laddr: join(dir, 'cli.sock') });
        await bound.write(Buffer.from('pong'));
        const r2 = await within(server.readFrom(Buffer.alloc(8)), 2000, 'readFrom');
        expect(String(r2.addr)).to.equal(join(dir, 'cli.sock'));
        await server.writeTo(Buffer.from('back'), r2.addr);
        const buf = Buffer.alloc(8);
        const n = await within(bound.read(buf), 2000, 'read');
        expect(buf.subarray(0, n).toString()).to.equal('back');
        await bound.close();
      } finally {
        await c.close();
        await server.close();
      }
    });

    it('a write to a full receiver waits without spinning, completes once it drains, and honours the write deadline', async function () {
      const r = await listenPacket('unixgram', '');
      const w = await listenPacket('unixgram', '');
      const msg = Buffer.alloc(1000);
      try {
        // Fill the receiver's queue until a writeTo waits.
        let pending;
        for (let i = 0; i < 10_000 && pending === undefined; i++) {
          const p = w.writeTo(msg, r.localAddr());
          const done = await Promise.race([p.then(() => true), new Promise((res) => setTimeout(() => res(false), 30))]);
          if (!done) pending = p;
        }
        expect(pending, 'a writeTo that waits').to.not.equal(undefined);
        // An unconnected datagram socket polls writable while sendto says
        // EAGAIN: the retry must not spin (400 ms of CPU per 500 ms before).
        const cpu0 = process.cpuUsage();
        await new Promise((res) => setTimeout(res, 300));
        const cpu = process.cpuUsage(cpu0);
        expect((cpu.user + cpu.system) / 1000).to.be.below(100);
        await r.readFrom(Buffer.alloc(2000));
        expect(await within(pending, 2000, 'the waiting write')).to.equal(1000);
        w.setWriteDeadline(new Date(Date.now() + 30));
        const e = await within(w.writeTo(msg, r.localAddr()), 2000, 'the timeout').catch((e) => e);
        expect(e.timeout()).to.equal(true);
        expect(e.message).to.equal(`write unixgram ${w.localAddr()}->${r.localAddr()}: i/o timeout`);
      } finally {
        await w.close();
        await r.close();
      }
    });

    it("write and set errors are Go 1.27's: writeMsgUnix on a dialed socket, a foreign UnixAddr, set after close", async function () {
      // Each text measured with Go 1.27.3 (go.mod `go 1.27`).
      const p = join(dir, 'texts.sock');
      const server = await listenPacket('unixgram', p);
      const c = await dialUnix('unixgram', p);
      const anon = process.platform === 'linux' ? '@' : '';
      try {
        // Go's writeMsg: a dialed unixgram socket refuses even to its own peer.
        let e = await c.writeMsgUnix(Buffer.from('x'), null, null).catch((e) => e);
        expect(e.err.message).to.equal('use of WriteTo with pre-connected connection');
        if (anon) expect(e.message).to.equal('write unixgram @: use of WriteTo with pre-connected connection');
        e = await c.writeMsgUnix(Buffer.from('x'), null, new UnixAddr(p, 'unixgram')).catch((e) => e);
        if (anon) expect(e.message).to.equal(`write unixgram @->${p}: use of WriteTo with pre-connected connection`);
        // A UnixAddr of another network: EAFNOSUPPORT, before any system call.
        e = await server.writeTo(Buffer.from('x'), new UnixAddr(p, 'unixpacket')).catch((e) => e);
        expect(e.code).to.equal('EAFNOSUPPORT');
        expect(e.message).to.equal(`write unixgram ${p}->${p}: address family not supported by protocol`);
        e = await server.writeMsgUnix(Buffer.from('x'), null, new UnixAddr(p, 'unix')).catch((e) => e);
        expect(e.message).to.equal(`write unixgram ${p}->${p}: address family not supported by protocol`);
      } finally {
        await c.close();
        await server.close();
      }
      // Go's SetDeadline: the local address, no peer.
      if (anon)
        expect(() => c.setReadDeadline(new Date())).to.throw('set unixgram @: use of closed network connection');
      expect(() => server.setDeadline(new Date())).to.throw(`set unixgram ${p}: use of closed network connection`);
    });

    it("dial errors are Go's: dial unixgram ADDR: connect: no such file or directory", async function () {
      const e = await dialUnix('unixgram', join(dir, 'nobody.sock')).catch((e) => e);
      expect(e).to.be.instanceOf(OpError);
      expect(e.message).to.equal(`dial unixgram ${join(dir, 'nobody.sock')}: connect: no such file or directory`);
      expect(e.code).to.equal('ENOENT');
      const u = await dialUnix('unixfoo', 'x').catch((e) => e);
      expect(u.message).to.equal('dial unixfoo x: unknown network unixfoo');
    });

    it('Control runs with ("unixgram", address) before bind, on the one socket() path', async function () {
      const seen = [];
      const path = join(dir, 'ctl.sock');
      const c = await new ListenConfig({
        control(network, address, raw) {
          seen.push([network, address, raw.control((fd) => typeof fd), existsSync(path)]);
        },
      }).listenPacket('unixgram', path);
      await c.close();
      expect(seen).to.deep.equal([['unixgram', path, 'number', false]]);
      const e = await new ListenConfig({
        control() {
          throw new Error('no');
        },
      })
        .listenPacket('unixgram', join(dir, 'ctl2.sock'))
        .catch((e) => e);
      expect(e.message).to.equal(`listen unixgram ${join(dir, 'ctl2.sock')}: no`);
    });

    it("bind errors are Go's OpError: address in use, a path too long", async function () {
      const path = join(dir, 'inuse.sock');
      const a = await listenPacket('unixgram', path);
      try {
        const e = await listenPacket('unixgram', path).catch((e) => e);
        expect(e).to.be.instanceOf(OpError);
        expect(e.message).to.equal(`listen unixgram ${path}: bind: address already in use`);
        expect(e.code).to.equal('EADDRINUSE');
        const long = `/tmp/${'x'.repeat(200)}`;
        const l = await listenPacket('unixgram', long).catch((e) => e);
        expect(l.message).to.equal(`listen unixgram ${long}: bind: invalid argument`);
      } finally {
        await a.close();
      }
    });

    it("close() rejects a pending read with ErrClosed; a second close is Go's ErrClosed OpError", async function () {
      const c = await listenPacket('unixgram', join(dir, 'close.sock'));
      const pending = c.readFrom(Buffer.alloc(8));
      await c.close();
      const e = await pending.catch((e) => e);
      expect(e).to.be.instanceOf(OpError);
      expect(e.err).to.equal(ErrClosed);
      expect(e.message).to.equal(`read unixgram ${join(dir, 'close.sock')}: use of closed network connection`);
      const e2 = await c.close().catch((e) => e);
      expect(e2.message).to.equal(`close unixgram ${join(dir, 'close.sock')}: use of closed network connection`);
      expect(e2.err).to.equal(ErrClosed);
      const e3 = await c.writeTo(Buffer.from('x'), '/tmp/x').catch((e) => e);
      expect(e3.message).to.equal(
        `write unixgram ${join(dir, 'close.sock')}->/tmp/x: use of closed network connection`,
      );
      expect(() => c.setDeadline(null)).to.throw(OpError, /^set unixgram .*: use of closed network connection$/);
      // Go leaves a unixgram socket file in place (only a listener unlinks).
      expect(existsSync(join(dir, 'close.sock'))).to.equal(true);
    });

    it('validates its arguments as listen() does: the I/O methods reject, setters throw', async function () {
      const c = await listenPacket('unixgram', '');
      try {
        for (const bad of [undefined, 'str', 42, [1]]) {
          await expectRejection(c.readFrom(bad), TypeError, 'ERR_INVALID_ARG_TYPE');
          await expectRejection(c.writeTo(bad, '/tmp/x'), TypeError, 'ERR_INVALID_ARG_TYPE');
          await expectRejection(c.read(bad), TypeError, 'ERR_INVALID_ARG_TYPE');
          await expectRejection(c.write(bad), TypeError, 'ERR_INVALID_ARG_TYPE');
          await expectRejection(c.readMsgUnix(bad), TypeError, 'ERR_INVALID_ARG_TYPE');
        }
        await expectRejection(c.writeTo(Buffer.alloc(1), 42), TypeError, 'ERR_INVALID_ARG_TYPE');
        expect(() => c.setDeadline(42))
          .to.throw(TypeError)
          .with.property('code', 'ERR_INVALID_ARG_TYPE');
        expect(() => c.setDeadline(new Date(Number.NaN)))
          .to.throw(TypeError)
          .with.property('code', 'ERR_INVALID_ARG_VALUE');
        await expectRejection(c.readMsgUnix(Buffer.alloc(1), 'oob'), TypeError, 'ERR_INVALID_ARG_TYPE');
        await expectRejection(c.writeMsgUnix(Buffer.alloc(1), 7, '/tmp/x'), TypeError, 'ERR_INVALID_ARG_TYPE');
        await expectRejection(c.writeMsgUnix(Buffer.alloc(1), null, {}), TypeError, 'ERR_INVALID_ARG_TYPE');
        expect(() => c.setReadDeadline('soon'))
          .to.throw(TypeError)
          .with.property('code', 'ERR_INVALID_ARG_TYPE');
        const dn = await dialUnix(42, '/x').catch((e) => e);
        expect(dn.code).to.equal('ERR_INVALID_ARG_TYPE');
        const dr = await dialUnix('unixgram', null).catch((e) => e);
        expect(dr.code).to.equal('ERR_INVALID_ARG_TYPE');
        const ds = await dialUnix('unixgram', '/x', { signal: 'x' }).catch((e) => e);
        expect(ds.code).to.equal('ERR_INVALID_ARG_TYPE');
        const e = await listenPacket('unixgram', 42).catch((e) => e);
        expect(e.code).to.equal('ERR_INVALID_ARG_TYPE');
        const d = await dialUnix('unixgram', '/x', { laddr: 1 }).catch((e) => e);
        expect(d.code).to.equal('ERR_INVALID_ARG_TYPE');
      } finally {
        await c.close();
      }
    });

    it('leaks no descriptor on any failure path (each 1,000 times, counted in /proc/self/fd)', async function () {
      if (process.platform !== 'linux') return skip(this, 'counts /proc/self/fd');
      this.timeout(60_000);
      const path = join(dir, 'leak.sock');
      const held = await listenPacket('unixgram', path);
      const failing = new ListenConfig({
        control() {
          throw new Error('no');
        },
      });
      await expectSameFdCount(async () => {
        for (let i = 0; i < 1000; i++) {
          await listenPacket('unixgram', path).catch(() => {}); // EADDRINUSE
          await failing.listenPacket('unixgram', '').catch(() => {}); // Control
          await dialUnix('unixgram', join(dir, 'none.sock')).catch(() => {}); // ENOENT
          await dialUnix('unixgram', path, { laddr: path }).catch(() => {}); // bind EADDRINUSE
          const c = await listenPacket('unixgram', '');
          const r = c.readFrom(Buffer.alloc(1));
          await c.close();
          await r.catch(() => {});
        }
      });
      await held.close();
    });

    it('a peer name that is not UTF-8 round-trips: readFrom gives its bytes, writeTo reaches it (Python peer)', async function () {
      if (!hasPython()) return skip(this, 'python3 is not installed');
      if (process.platform !== 'linux') return skip(this, 'binds an abstract name (Linux)');
      const c = await listenPacket('unixgram', '');
      const tag = `lc-${process.pid}`;
      // Python binds \0<tag>-\xff\xfe-name, sends to us, waits for a reply.
      const py = spawn(
        'python3',
        [
          '-c',
          `
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(b'\\0' + sys.argv[1].encode() + b'-\\xff\\xfe-name')
s.settimeout(5)
s.sendto(b'hi', b'\\0' + sys.argv[2].encode()[1:])
d, a = s.recvfrom(100)
print(d.decode(), flush=True)
`,
          tag,
          String(c.localAddr()),
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      let out = '';
      py.stdout.on('data', (d) => (out += d));
      const exited = new Promise((r) => py.once('exit', r));
      try {
        const r = await within(c.readFrom(Buffer.alloc(8)), 5000, 'the datagram from python');
        expect(r.addr.name).to.equal(`@${tag}-\ufffd\ufffd-name`);
        expect(Buffer.from(r.addr.bytes)).to.deep.equal(
          Buffer.concat([Buffer.from(`@${tag}-`), Buffer.from([0xff, 0xfe]), Buffer.from('-name')]),
        );
        await c.writeTo(Buffer.from('yo'), r.addr);
        expect(await within(exited, 5000, 'python')).to.equal(0);
        expect(out.trim()).to.equal('yo');
      } finally {
        py.kill();
        await c.close();
      }
    });

    it('a path given as a string with non-ASCII characters binds as its UTF-8 bytes, as Node does', async function () {
      const p = join(dir, 'caf\u00e9-\u6771.sock');
      const c = await listenPacket('unixgram', p);
      try {
        expect(existsSync(p), 'the file Node names with the same string').to.equal(true);
        expect(c.localAddr().name).to.equal(p);
        expect(c.localAddr().bytes).to.equal(undefined);
        const d = await dialUnix('unixgram', p);
        await d.write(Buffer.from('x'));
        expect(await within(c.read(Buffer.alloc(4)), 2000, 'read')).to.equal(1);
        await d.close();
      } finally {
        await c.close();
      }
    });

    it('exchanges datagrams and a descriptor with a Python peer (socket.AF_UNIX, SOCK_DGRAM)', async function () {
      if (!hasPython()) return skip(this, 'python3 is not installed');
      const mine = join(dir, 'node.sock');
      const theirs = join(dir, 'py.sock');
      const c = await listenPacket('unixgram', mine);
      const py = spawn('python3', [
        '-c',
        `
import socket, os, array, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(${JSON.stringify(theirs)})
print('ready', flush=True)
data, anc, flags, addr = s.recvmsg(64, socket.CMSG_SPACE(4))
fds = array.array('i')
for level, typ, d in anc:
    if level == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
        fds.frombytes(d[:len(d) - len(d) % 4])
os.lseek(fds[0], 0, 0)
content = os.read(fds[0], 100)
r, w = os.pipe()
os.write(w, b'from python')
os.close(w)  # so that the reader meets end of file
s.sendmsg([data.upper() + b':' + content], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array('i', [r]))], 0, addr)
print('done', flush=True)
`,
      ]);
      try {
        await new Promise((resolve, reject) => {
          py.stdout.once('data', resolve);
          py.once('exit', (code) => reject(new Error(`python exited ${code}`)));
        });
        const file = join(dir, 'to-python.txt');
        const { writeFileSync } = await import('node:fs');
        writeFileSync(file, 'node file');
        const fd = openSync(file, 'r');
        await c.writeMsgUnix(Buffer.from('hello'), unixRights(fd), theirs);
        closeSync(fd);
        const buf = Buffer.alloc(64);
        const oob = Buffer.alloc(64);
        const r = await within(c.readMsgUnix(buf, oob), 5000, 'the reply from python');
        expect(buf.subarray(0, r.n).toString()).to.equal('HELLO:node file');
        expect(String(r.addr)).to.equal(theirs);
        const [pfd] = parseUnixRights(oob, r.oobn);
        expect(readFileSync(pfd, 'utf8')).to.equal('from python');
        closeSync(pfd);
      } finally {
        py.kill();
        await c.close();
      }
    });
  });
});
