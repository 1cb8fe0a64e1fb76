// Go's file tests (Go 1.27, src/net/file_test.go and file_unix_test.go),
// ported to fileListener, filePacketConn and Listener.file(): each
// describe() is named after the Go test it ports and checks what that test
// checks. Written from reading Go's tests, not copied. Where the package
// differs from Go on purpose, the case asserts the package's behaviour and
// says why.
import { expect } from '../expect.mjs';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ErrClosed,
  OpError,
  UnixAddr,
  UnixConn,
  dialUnix,
  fileListener,
  filePacketConn,
  listen,
  listenPacket,
  syscallConn,
} from 'listenconfig';
import { fdCount } from '../helpers.mjs';

function skip(ctx, why) {
  console.log(`    skipped: ${why}`);
  ctx.skip();
}

function posixOnly(ctx) {
  if (process.platform === 'win32') skip(ctx, "Go's File() and FileListener are not supported by windows, nor here");
}

// Go's newLocalListener and newLocalPacketListener: loopback, or a fresh
// path in a private directory.
function localAddress(network, dir) {
  return network.startsWith('unix') ? join(dir, `${network}.sock`) : '127.0.0.1:0';
}

// Go's Dial on a listener's address: a net.Socket for tcp and unix, a
// UnixConn for unixpacket (a net.Socket cannot carry message boundaries).
async function dial(ln) {
  const a = ln.addr();
  if (a.network === 'unixpacket') return dialUnix('unixpacket', a.name);
  return new Promise((resolve, reject) => {
    const c = a.network === 'tcp' ? net.connect(a.port, '127.0.0.1') : net.connect(a.name);
    c.once('connect', () => resolve(c));
    c.once('error', reject);
  });
}

const closeConn = (c) => (c instanceof UnixConn ? c.close() : c.destroy());

// Go's addresses compare with reflect.DeepEqual; these are what they hold.
const addrFields = (a) =>
  a instanceof UnixAddr ? { network: a.network, name: a.name } : { network: a.network, ip: a.ip, port: a.port };

describe('TestFileConn', function () {
  it('FileConn: no counterpart', function () {
    skip(
      this,
      "Go's FileConn/TCPConn.File have no counterpart here: connections are Node's net.Sockets (Node adopts a descriptor with new net.Socket({ fd }))",
    );
  });
});

describe('TestFileListener', function () {
  let dir;
  before(function () {
    posixOnly(this);
    dir = fs.mkdtempSync(join(tmpdir(), 'lc-gonet-file-'));
  });
  after(() => {
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const network of ['tcp', 'unix', 'unixpacket']) {
    it(network, async () => {
      const ln1 = await listen(network, localAddress(network, dir));
      const addr = addrFields(ln1.addr());
      const f = ln1.file();
      // Go closes a TCP listener here, a unix one at the end (its close
      // removes the socket file the second listener still serves on).
      if (network === 'tcp') await ln1.close();
      let ln2;
      try {
        ln2 = fileListener(f);
      } finally {
        fs.closeSync(f);
      }
      try {
        const [c, conn] = await Promise.all([dial(ln2), ln2.accept()]);
        await closeConn(conn);
        await closeConn(c);
        expect(addrFields(ln2.addr())).to.deep.equal(addr);
      } finally {
        await ln2.close();
        if (network !== 'tcp') await ln1.close();
      }
    });
  }
});

describe('TestFilePacketConn', function () {
  let dir;
  before(function () {
    posixOnly(this);
    dir = fs.mkdtempSync(join(tmpdir(), 'lc-gonet-filepacket-'));
  });
  after(() => {
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  });

  // Go's c1.File() is a duplicate the test owns; a dgram.Socket and a
  // UnixConn have no file() here, so the duplicate is filePacketConn's own,
  // made from c1's descriptor before c1 closes: what Go then checks is the same.
  for (const network of ['udp', 'unixgram']) {
    it(network, async () => {
      const c1 = await listenPacket(network, localAddress(network, dir));
      const isUnix = c1 instanceof UnixConn;
      const addr = isUnix ? addrFields(c1.localAddr()) : c1.address();
      const raw = isUnix ? c1.syscallConn() : syscallConn(c1);
      const c2 = raw.control((fd) => filePacketConn(fd));
      if (isUnix) await c1.close();
      else await new Promise((r) => c1.close(r));
      try {
        const msg = Buffer.from('FILEPACKETCONN TEST');
        if (c2 instanceof UnixConn) {
          expect(await c2.writeTo(msg, addr.name)).to.equal(msg.length);
          expect(addrFields(c2.localAddr())).to.deep.equal(addr);
        } else {
          await new Promise((resolve, reject) =>
            c2.send(msg, addr.port, addr.address, (e) => (e ? reject(e) : resolve())),
          );
          expect(c2.address()).to.deep.equal(addr);
        }
      } finally {
        if (c2 instanceof UnixConn) await c2.close();
        else await new Promise((r) => c2.close(r));
      }
    });
  }
});

// From Go's TestFileCloseRace (Go issue 24483: File() racing Close() on a
// connection). The package's connections have no file(); the listener's
// file() and close() are the pair here, and JavaScript never runs them at
// once, so there is no race to provoke: what is left to check is each
// order, deterministically. file() before close() returns a descriptor,
// after it (close() called, not yet settled) Go's closed error, and no
// descriptor is left behind.
describe('file() before and after close() (from TestFileCloseRace)', function () {
  before(function () {
    posixOnly(this);
  });

  it('file() before close() gives a descriptor, after it ErrClosed; 100 listeners, nothing leaked', async () => {
    const before = fdCount();
    let got = 0;
    let refused = 0;
    for (let i = 0; i < 100; i++) {
      const ln = await listen('tcp', '127.0.0.1:0');
      const tryFile = () => {
        try {
          fs.closeSync(ln.file());
          got++;
        } catch (e) {
          expect(e).to.be.instanceOf(OpError);
          expect(e.err).to.equal(ErrClosed);
          expect(e.message).to.equal(`file tcp ${ln.addr()}: use of closed network connection`);
          refused++;
        }
      };
      if (i % 2 === 0) {
        tryFile();
        await ln.close();
      } else {
        const closed = ln.close();
        tryFile();
        await closed;
      }
    }
    expect({ got, refused }).to.deep.equal({ got: 50, refused: 50 });
    expect(fdCount()).to.equal(before);
  });
});

// Go's os.File.Fd() puts a socket into blocking mode, for backward
// compatibility, and the test checks it does. The package's file() never
// does: O_NONBLOCK belongs to the open file description every copy shares,
// and a blocking socket would stall the accept loop of the process still
// pulling from it.
describe('TestFileFdBlocks', function () {
  before(function () {
    if (process.platform !== 'linux') skip(this, 'reads O_NONBLOCK from /proc/self/fdinfo (Linux)');
  });

  const O_NONBLOCK = 0o4000;
  const flags = (fd) =>
    Number.parseInt(/^flags:\s+(\d+)/m.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))[1], 8);

  for (const network of ['tcp', 'unix']) {
    it(`${network}: the listener and its file() stay non-blocking (the package differs: Go's Fd() blocks)`, async () => {
      const dir = fs.mkdtempSync(join(tmpdir(), 'lc-gonet-fdblocks-'));
      const ln = await listen(network, localAddress(network, dir));
      try {
        ln.syscallConn().control((fd) => expect(flags(fd) & O_NONBLOCK).to.equal(O_NONBLOCK));
        const f = ln.file();
        try {
          expect(flags(f) & O_NONBLOCK).to.equal(O_NONBLOCK);
          expect(flags(f) & 0o2000000, 'close-on-exec').to.equal(0o2000000);
          // And still accepting, through the listener.
          const [c, conn] = await Promise.all([dial(ln), ln.accept()]);
          conn.destroy();
          c.destroy();
        } finally {
          fs.closeSync(f);
        }
      } finally {
        await ln.close();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
