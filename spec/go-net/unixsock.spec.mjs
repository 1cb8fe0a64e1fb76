// Go's unix socket listener tests (Go 1.27, src/net/unixsock_test.go and
// unixsock_linux_test.go), ported: the stream-listener parts and the
// unixgram ones.
import { expect } from '../expect.mjs';
import { closeSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listen, listenPacket, dialUnix, fileListener } from 'listenconfig';

function skip(ctx, why) {
  console.log(`    skipped: ${why}`);
  ctx.skip();
}

function linuxOnly(ctx) {
  if (process.platform !== 'linux')
    skip(ctx, `abstract and autobound unix names are Linux's; this is ${process.platform}`);
}

function unixOnly(ctx) {
  if (process.platform === 'win32')
    skip(ctx, 'unix listeners are not supported on Windows (docs/guide.md, "Unix sockets")');
}

describe('TestUnixAutobindClose', function () {
  it('listen("unix", "") autobinds, and closes', async function () {
    linuxOnly(this);
    const ln = await listen('unix', '');
    expect(String(ln.addr())).to.match(/^@[0-9a-f]{5}$/);
    await ln.close();
  });
});

describe('TestUnixAbstractLongNameNulStart', function () {
  it("a name of sun_path's 108 bytes, starting with NUL and padded with NULs, listens", async function () {
    linuxOnly(this);
    // Go uses "\0abstract_test"; abstract names are machine-wide, so this
    // one names the process to let two runs share a machine.
    const name = `\0abstract_test-${process.pid}`.padEnd(108, '\0');
    const ln = await listen('unix', name);
    // Go prints an abstract name up to its first NUL after the leading one.
    expect(String(ln.addr())).to.equal(`@abstract_test-${process.pid}`);
    await ln.close();
  });
});

describe('TestUnixgramAutobind', function () {
  it("an autobound unixgram socket's address is one a client dials: its RemoteAddr equals the LocalAddr", async function () {
    linuxOnly(this);
    const c1 = await listenPacket('unixgram', '');
    try {
      const auto = c1.localAddr();
      expect(auto.name.length, `autobind address ${auto}`).to.be.above(1);
      expect(auto.name[0], `autobind address ${auto}`).to.equal('@');
      const c2 = await dialUnix('unixgram', String(auto));
      try {
        expect(c2.remoteAddr()).to.deep.equal(c1.localAddr());
        expect(String(c2.remoteAddr())).to.equal(String(auto));
      } finally {
        await c2.close();
      }
    } finally {
      await c1.close();
    }
  });
});

describe('TestUnixgramLinuxAbstractLongName', function () {
  it('a 108-byte abstract unixgram name receives a datagram from an unnamed sender, whose address is null', async function () {
    linuxOnly(this);
    // Go copies "@abstract_test" into sun_path's 108 bytes, NULs after it;
    // the process id keeps two runs on one machine apart.
    const addr = `@abstract_test-${process.pid}`.padEnd(108, '\0');
    const c = await listenPacket('unixgram', addr);
    try {
      // Go sends with a raw unbound socket; an unbound dialed socket is one.
      const s = await dialUnix('unixgram', addr);
      const data = Buffer.from([1, 2, 3, 4, 5]);
      try {
        await s.write(data);
      } finally {
        await s.close();
      }
      const b = Buffer.alloc(64);
      c.setReadDeadline(new Date(Date.now() + 100));
      const { n, addr: from } = await c.readFrom(b);
      expect(from, 'the peer address').to.equal(null);
      expect(b.subarray(0, n)).to.deep.equal(data);
    } finally {
      await c.close();
    }
  });
});

describe('TestUnixUnlink', function () {
  let dir;
  let name;
  before(function () {
    unixOnly(this);
    dir = mkdtempSync(join(tmpdir(), 'lc-gonet-unix-'));
    name = join(dir, 'unlink.sock');
  });
  after(function () {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('Listen: close removes the socket file', async function () {
    const l = await listen('unix', name);
    expect(existsSync(name), 'after listen').to.equal(true);
    await l.close();
    expect(existsSync(name), 'after close').to.equal(false);
  });

  // Go's fileListener(t, l): File(), then FileListener over it.
  const fromFile = (l) => {
    const f = l.file();
    try {
      return { f, l1: fileListener(f) };
    } catch (e) {
      closeSync(f);
      throw e;
    }
  };

  it('FileListener: a listener from a dup of the descriptor does not remove the file', async function () {
    const l = await listen('unix', name);
    const { f, l1 } = fromFile(l);
    expect(existsSync(name), 'after FileListener').to.equal(true);
    closeSync(f);
    expect(existsSync(name), 'after File close').to.equal(true);
    await l1.close();
    expect(existsSync(name), 'after FileListener close').to.equal(true);
    await l.close();
    expect(existsSync(name), 'after Listener close').to.equal(false);
  });

  it('SecondClose: only the first close removes the file', async function () {
    const l = await listen('unix', name);
    await l.close();
    expect(existsSync(name), 'after close').to.equal(false);
    writeFileSync(name, 'hello world');
    await l.close().catch(() => {});
    expect(existsSync(name), 'after the second close').to.equal(true);
    rmSync(name);
  });

  // Go's FileListener with SetUnlinkOnClose(true) removes the path on
  // close. The package's does not: it removes only a file whose device
  // and inode its own bind(2) recorded (#19), and a listener from a
  // descriptor has no such record (Upgrader passes one on), so the path
  // may name another process's socket by then.
  for (const unlink of [true, false]) {
    it(`FileListener/SetUnlinkOnClose(${unlink})${unlink ? ': the file stays (the package differs: no record of it)' : ''}`, async function () {
      const l = await listen('unix', name);
      const { f, l1 } = fromFile(l);
      expect(existsSync(name), 'after FileListener').to.equal(true);
      l1.setUnlinkOnClose(unlink);
      closeSync(f);
      expect(existsSync(name), 'after File close').to.equal(true);
      await l1.close();
      expect(existsSync(name), 'after FileListener close').to.equal(true);
      await l.close();
      expect(existsSync(name), 'after Listener close').to.equal(false);
    });
  }

  for (const unlink of [true, false]) {
    it(`Listen/SetUnlinkOnClose(${unlink})`, async function () {
      const l = await listen('unix', name);
      expect(existsSync(name), 'after listen').to.equal(true);
      l.setUnlinkOnClose(unlink);
      await l.close();
      expect(existsSync(name), 'after close').to.equal(!unlink);
      rmSync(name, { force: true });
    });
  }
});
