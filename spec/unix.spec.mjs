// Unix stream listeners, as Go's (unixsock_posix.go; its tests are
// TestUnixListenerSpecificMethods, TestUnixUnlinkOnClose and friends):
// pull accept over a pipe, Control's ('unix', path), the socket file
// removed on close when the listener made it, Go's errors. What Go says is
// compared case by case in go.spec.mjs; this file checks what a Go
// comparison cannot see.
import { expect } from './expect.mjs';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ListenConfig,
  Listener,
  UnixListener,
  UnixAddr,
  OpError,
  listen,
  serve,
  constants,
  getsockopt,
} from 'listenconfig';
import { within, skip, connectUnix } from './helpers.mjs';

function readAll(sock) {
  return new Promise((resolve, reject) => {
    let s = '';
    sock.setEncoding('utf8');
    sock.on('data', (d) => (s += d));
    sock.once('end', () => resolve(s));
    sock.once('error', reject);
  });
}

describe('unix stream listeners (Go: ListenConfig.Listen("unix", path))', function () {
  let dir;
  before(function () {
    if (process.platform === 'win32')
      skip(this, 'unix listeners are not supported on Windows (spec/windows/listen.spec.mjs checks the error)');
  });
  beforeEach(function () {
    dir = mkdtempSync(join(tmpdir(), 'lc-unix-'));
  });
  afterEach(function () {
    rmSync(dir, { recursive: true, force: true });
  });

  it('TestListenConfigUnix: Control gets ("unix", path) on a raw AF_UNIX stream socket; accepted connections are net.Sockets on a pipe handle', async function () {
    const path = join(dir, 'a.sock');
    const seen = [];
    const ln = await new ListenConfig({
      control(network, address, raw) {
        seen.push([network, address, raw.control((fd) => getsockopt(fd, constants.SOL_SOCKET, constants.SO_TYPE))]);
      },
    }).listen('unix', path);
    try {
      expect(seen).to.deep.equal([['unix', path, constants.SOCK_STREAM]]);
      expect(ln).to.be.instanceOf(UnixListener).and.instanceOf(Listener);
      expect(ln.addr()).to.be.instanceOf(UnixAddr);
      expect(ln.addr()).to.include({ network: 'unix', name: path });
      expect(String(ln.addr())).to.equal(path);
      const client = await connectUnix(path);
      const conn = await within(ln.accept(), 2000, 'accept');
      expect(conn).to.be.instanceOf(net.Socket);
      expect(conn._handle.constructor.name).to.equal('Pipe');
      conn.end('hello');
      expect(await readAll(client)).to.equal('hello');
    } finally {
      await ln.close();
    }
  });

  it('serve(): an http.Server answers over the unix socket (http.get with socketPath)', async function () {
    const path = join(dir, 'h.sock');
    const ln = await listen('unix', path);
    const server = http.createServer((req, res) => res.end(`ok ${req.url}`));
    const s = serve(ln, server);
    try {
      // As after server.listen(path).
      expect(server.listening).to.equal(true);
      expect(server.address()).to.equal(path);
      const body = await within(
        new Promise((resolve, reject) => {
          http
            .get({ socketPath: path, path: '/x', agent: false }, (res) => readAll(res).then(resolve, reject))
            .on('error', reject);
        }),
        5000,
        'http over unix',
      );
      expect(body).to.equal('ok /x');
    } finally {
      await s.close();
    }
  });

  it('the backlog holds: with backlog 1 and nobody accepting, 2 clients connect and the 3rd is refused with EAGAIN (Linux)', async function () {
    if (process.platform !== 'linux')
      skip(this, 'Linux counts a unix accept queue as backlog + 1; other kernels differ');
    const path = join(dir, 'b.sock');
    const ln = await new ListenConfig({ backlog: 1 }).listen('unix', path);
    const clients = [];
    try {
      clients.push(await connectUnix(path), await connectUnix(path));
      const third = await connectUnix(path).then(
        (c) => (clients.push(c), null),
        (e) => e,
      );
      expect(third?.code).to.equal('EAGAIN');
      // Accepting makes room.
      (await within(ln.accept(), 2000, 'accept')).destroy();
      (await within(ln.accept(), 2000, 'accept')).destroy();
      clients.push(await connectUnix(path));
    } finally {
      for (const c of clients) c.destroy();
      await ln.close();
    }
  });

  it('TestUnixUnlinkOnClose: close() removes the socket file it created, once; setUnlinkOnClose(false) keeps it', async function () {
    const path = join(dir, 'u.sock');
    const ln = await listen('unix', path);
    expect(existsSync(path)).to.equal(true);
    await ln.close();
    expect(existsSync(path)).to.equal(false);
    // A second close of the first listener must not remove the second's file.
    const ln2 = await listen('unix', path);
    await ln.close().then(
      () => expect.fail('second close resolved'),
      (e) => expect(e.message).to.equal(`close unix ${path}: use of closed network connection`),
    );
    expect(existsSync(path)).to.equal(true);
    ln2.setUnlinkOnClose(false);
    await ln2.close();
    expect(existsSync(path)).to.equal(true);
    expect(() => ln2.setUnlinkOnClose('no')).to.throw(TypeError, /"unlink" argument must be of type boolean/);
  });

  it("Go's errors: a stale socket file or any file at the path is EADDRINUSE, a missing directory ENOENT, a path as long as sun_path EINVAL", async function () {
    const stale = join(dir, 'stale.sock');
    const first = await listen('unix', stale);
    first.setUnlinkOnClose(false);
    await first.close();
    const plain = join(dir, 'file');
    writeFileSync(plain, 'x');
    const long = join(dir, 'l'.repeat((process.platform === 'linux' ? 108 : 104) - dir.length - 1));
    for (const [path, code, text] of [
      [stale, 'EADDRINUSE', 'bind: address already in use'],
      [plain, 'EADDRINUSE', 'bind: address already in use'],
      [join(dir, 'no', 'x.sock'), 'ENOENT', 'bind: no such file or directory'],
      [long, 'EINVAL', 'bind: invalid argument'],
    ]) {
      const e = await listen('unix', path).then(
        (ln) => (ln.close(), null),
        (err) => err,
      );
      expect(e, path).to.be.instanceOf(OpError);
      expect(e.message).to.equal(`listen unix ${path}: ${text}`);
      expect(e.code).to.equal(code);
    }
    // The stale file is left alone, as Go leaves it.
    expect(existsSync(stale)).to.equal(true);
  });

  it('Linux abstract names: "@name" has no file, and "" autobinds a name of five hex digits', async function () {
    if (process.platform !== 'linux') skip(this, "the abstract namespace is Linux's");
    const name = `@listenconfig-spec-${process.pid}`;
    const ln = await listen('unix', name);
    const auto = await listen('unix', '');
    try {
      expect(String(ln.addr())).to.equal(name);
      expect(String(auto.addr())).to.match(/^@[0-9a-f]{5}$/);
      // The kernel lists it in the abstract namespace, and no file exists.
      // (Node's net.connect cannot dial an abstract name: libuv counts
      // the path up to a NUL.)
      const listed = readFileSync('/proc/net/unix', 'utf8')
        .split('\n')
        .map((l) => l.trim().split(/\s+/).pop());
      expect(listed).to.include(name).and.include(String(auto.addr()));
      expect(existsSync(name)).to.equal(false);
    } finally {
      await ln.close();
      await auto.close();
    }
  });

  it('an abstract name spelt with a leading NUL binds "@name", not "@name" and a NUL; 108 bytes fit (Go takes both spellings)', async function () {
    if (process.platform !== 'linux') skip(this, "the abstract namespace is Linux's");
    const name = `listenconfig-nul-${process.pid}`;
    const long = `listenconfig-nul108-${process.pid}-`.padEnd(107, 'n');
    const lns = [await listen('unix', `\0${name}`), await listen('unix', `\0${long}`)];
    try {
      expect(lns.map((ln) => String(ln.addr()))).to.deep.equal([`@${name}`, `@${long}`]);
      // /proc/net/unix prints each NUL of a name as '@': a trailing NUL
      // bound by mistake would show as a trailing '@'.
      const listed = readFileSync('/proc/net/unix', 'utf8')
        .split('\n')
        .map((l) => l.trim().split(/\s+/).pop());
      expect(listed).to.include(`@${name}`).and.include(`@${long}`);
      expect(listed).not.to.include(`@${name}@`);
      // The same name with '@' is taken: one namespace entry, two spellings.
      const e = await listen('unix', `@${name}`).catch((e) => e);
      expect(e.message).to.equal(`listen unix @${name}: bind: address already in use`);
    } finally {
      for (const ln of lns) await ln.close();
    }
  });

  it('unixgram is refused by listen() with ERR_UNSUPPORTED_NETWORK, saying why, before any socket exists', async function () {
    const path = join(dir, 'p.sock');
    const gram = await listen('unixgram', path).catch((e) => e);
    expect(gram.code).to.equal('ERR_UNSUPPORTED_NETWORK');
    expect(gram.message).to.match(/^listen unixgram .*: network unixgram is a datagram network/);
    expect(existsSync(path)).to.equal(false);
  });
});
