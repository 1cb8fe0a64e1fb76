// Multipath TCP, as Go's ListenConfig.SetMultipathTCP (mptcpsock_linux.go),
// on by default for listeners since Go 1.24 unless GODEBUG says
// multipathtcp=0 or =3: an IPPROTO_MPTCP listening socket where the kernel
// offers one, plain TCP where it refuses (Go's fallback), and
// ln.multipathTCP() says which; multipathTCP(conn) is Go's
// TCPConn.MultipathTCP. Checked here against the kernel; spec/go.spec.mjs
// compares the same calls with Go 1.27.
import { expect } from './expect.mjs';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ListenConfig, listen, multipathTCP, syscallConn, constants, getsockopt } from 'listenconfig';
import { inNetns, lastJSON, netnsSkipReason, within, skip } from './helpers.mjs';

const child = fileURLToPath(new URL('./fixtures/mptcp-child.mjs', import.meta.url));

// net.mptcp.enabled of this namespace, or undefined without MPTCP support.
function mptcpEnabled() {
  const f = '/proc/sys/net/mptcp/enabled';
  return existsSync(f) ? readFileSync(f, 'utf8').trim() === '1' : undefined;
}

// Node cannot make an MPTCP client socket; Python can (python3 is there
// wherever node-gyp built the addon). It connects, then waits for stdin's end.
function python3() {
  return spawnSync('python3', ['-c', 'import socket; socket.IPPROTO_TCP'], { stdio: 'ignore' }).status === 0;
}
function mptcpClient(port) {
  const script = `import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, ${constants.IPPROTO_MPTCP})
s.connect(("127.0.0.1", ${port}))
sys.stdin.read()`;
  const p = spawn('python3', ['-c', script], { stdio: ['pipe', 'ignore', 'inherit'] });
  p.on('error', () => {});
  return p;
}

const protocolOf = (raw) => raw.control((fd) => getsockopt(fd, constants.SOL_SOCKET, constants.SO_PROTOCOL));

// Why this process cannot make an MPTCP socket, or undefined when it can:
// asked of the package itself (an explicit multipathTCP listener that
// says it is one), with GODEBUG out of the way.
async function mptcpSocketSkipReason() {
  if (process.platform !== 'linux') return `MPTCP sockets are Linux's; this is ${process.platform}`;
  const ln = await new ListenConfig({ multipathTCP: true }).listen('tcp', '127.0.0.1:0');
  const using = ln.multipathTCP();
  await ln.close();
  return using ? undefined : 'an MPTCP socket cannot be made here (no MPTCP, or net.mptcp.enabled is 0)';
}

// Runs f with GODEBUG set to value (undefined: unset), then restores it.
async function withGodebug(value, f) {
  const saved = process.env.GODEBUG;
  if (value === undefined) delete process.env.GODEBUG;
  else process.env.GODEBUG = value;
  try {
    return await f();
  } finally {
    if (saved === undefined) delete process.env.GODEBUG;
    else process.env.GODEBUG = saved;
  }
}

describe('Multipath TCP (ListenConfig.SetMultipathTCP, on by default as Go 1.24+)', function () {
  it("the option and Go's MultipathTCP/SetMultipathTCP pair: on by default, a boolean only", async function () {
    const lc = new ListenConfig();
    await withGodebug(undefined, () => expect(lc.multipathTCP()).to.equal(true));
    lc.setMultipathTCP(false);
    expect(lc.multipathTCP()).to.equal(false);
    lc.setMultipathTCP(true);
    expect(lc.multipathTCP()).to.equal(true);
    expect(new ListenConfig({ multipathTCP: true }).multipathTCP()).to.equal(true);
    expect(() => new ListenConfig({ multipathTCP: 1 })).to.throw(
      TypeError,
      /"multipathTCP" option must be of type boolean/,
    );
    expect(() => lc.setMultipathTCP('yes')).to.throw(TypeError, /"use" argument must be of type boolean/);
  });

  it("TestMultipathTCPListener: an IPPROTO_MPTCP listener that accepts plain TCP clients, with Go's keep-alive on them", async function () {
    if (process.platform !== 'linux')
      skip(this, "MPTCP sockets are Linux's (Go listens with plain TCP elsewhere; next test)");
    if (mptcpEnabled() !== true)
      skip(this, 'this kernel has no MPTCP, or net.mptcp.enabled is 0 (the netns test covers the fallback)');
    const ln = await new ListenConfig({ multipathTCP: true }).listen('tcp', '127.0.0.1:0');
    const client = net.connect(ln.addr().port, '127.0.0.1');
    client.on('error', () => {});
    try {
      expect(ln.multipathTCP()).to.equal(true);
      expect(protocolOf(ln.syscallConn())).to.equal(constants.IPPROTO_MPTCP);
      // The kernel's queue report works on an MPTCP listener too.
      expect(ln.backlog.effective).to.be.above(0);
      const conn = await within(ln.accept(), 2000, 'accept');
      const raw = syscallConn(conn);
      expect(raw.control((fd) => getsockopt(fd, constants.SOL_SOCKET, constants.SO_KEEPALIVE, 'bool'))).to.equal(true);
      expect(raw.control((fd) => getsockopt(fd, constants.IPPROTO_TCP, constants.TCP_KEEPIDLE))).to.equal(15);
      expect(raw.control((fd) => getsockopt(fd, constants.IPPROTO_TCP, constants.TCP_NODELAY, 'bool'))).to.equal(true);
      conn.destroy();
    } finally {
      client.destroy();
      await ln.close();
    }
  });

  it('without MPTCP in the OS, multipathTCP: true listens with plain TCP and multipathTCP() is false', async function () {
    if (process.platform === 'linux') skip(this, 'Linux has MPTCP; its fallback is the netns test below');
    const ln = await new ListenConfig({ multipathTCP: true }).listen('tcp', '127.0.0.1:0');
    expect(ln.multipathTCP()).to.equal(false);
    await ln.close();
  });

  it("Go's listenMPTCP retries plain TCP after any failure: Control runs twice (IPPROTO_MPTCP, then TCP) and the second error is reported", async function () {
    if (process.platform !== 'linux') skip(this, "MPTCP sockets are Linux's");
    if (mptcpEnabled() !== true) skip(this, 'this kernel has no MPTCP, or net.mptcp.enabled is 0');
    const calls = [];
    const failing = new ListenConfig({
      multipathTCP: true,
      control(network, address, raw) {
        calls.push([network, address, protocolOf(raw)]);
        throw new Error('boom');
      },
    });
    const err = await failing.listen('tcp', '127.0.0.1:0').then(
      () => null,
      (e) => e.message,
    );
    expect(err).to.equal('listen tcp 127.0.0.1:0: boom');
    expect(calls).to.deep.equal([
      ['tcp4', '127.0.0.1:0', constants.IPPROTO_MPTCP],
      ['tcp4', '127.0.0.1:0', 6],
    ]);
    // A bind error too (Go 1.22: the same two Control calls, then EADDRINUSE).
    const holder = await listen('tcp', '127.0.0.1:0');
    calls.length = 0;
    const lc = new ListenConfig({
      multipathTCP: true,
      control: (n, a, raw) => void calls.push([n, a, protocolOf(raw)]),
    });
    try {
      const where = String(holder.addr());
      const inUse = await lc.listen('tcp', where).then(
        (ln) => ln.close().then(() => null),
        (e) => e.message,
      );
      expect(inUse).to.equal(`listen tcp ${where}: bind: address already in use`);
      expect(calls).to.deep.equal([
        ['tcp4', where, constants.IPPROTO_MPTCP],
        ['tcp4', where, 6],
      ]);
    } finally {
      await holder.close();
    }
  });

  it("the default listener, where an MPTCP socket can be made: Control runs twice with Go's spelling, and a bind error is the plain attempt's", async function () {
    const why = await mptcpSocketSkipReason();
    if (why !== undefined) skip(this, why);
    const seen = [];
    const lc = new ListenConfig({
      control: (network, address, raw) => void seen.push([network, address, protocolOf(raw)]),
    });
    const e = await withGodebug(undefined, () => lc.listen('tcp', '[::1.2.3.4]:0').catch((e) => e));
    // The failed MPTCP attempt (Go 1.24+'s default), then plain TCP.
    expect(seen).to.deep.equal([
      ['tcp6', '[::102:304]:0', constants.IPPROTO_MPTCP],
      ['tcp6', '[::102:304]:0', 6],
    ]);
    expect(e.message).to.match(/^listen tcp \[::102:304\]:0: bind: /); // the errno text is the OS's
  });

  it('GODEBUG=multipathtcp as Go reads it: 0 and 3 turn the default off, 1, 2 and others leave it on, the last setting wins, setMultipathTCP() wins over it', async function () {
    const answers = {};
    for (const v of [
      'multipathtcp=0',
      'multipathtcp=1',
      'multipathtcp=2',
      'multipathtcp=3',
      'multipathtcp=',
      'multipathtcp=x',
      'x=1,multipathtcp=3#bisect',
      'multipathtcp=0,multipathtcp=1',
      'multipathtcp=1,multipathtcp=0',
      'multipathtcp',
      ' multipathtcp=0',
      '',
      'multipathtcp=0#y',
      'multipathtcp=0#n',
      'multipathtcp=0#!n',
      'multipathtcp=0#-y',
      'multipathtcp=0#x',
      'multipathtcp=0#101',
    ])
      answers[v] = await withGodebug(v, () => new ListenConfig().multipathTCP());
    expect(answers).to.deep.equal({
      'multipathtcp=0': false,
      'multipathtcp=1': true,
      'multipathtcp=2': true,
      'multipathtcp=3': false,
      'multipathtcp=': true,
      'multipathtcp=x': true,
      'x=1,multipathtcp=3#bisect': false,
      'multipathtcp=0,multipathtcp=1': true,
      'multipathtcp=1,multipathtcp=0': false,
      multipathtcp: true,
      ' multipathtcp=0': true,
      '': true,
      // Bisect patterns: y matches every call site, n none (the value is
      // then unset); x alone is invalid, so the value applies; hash bits
      // select by Go's call stack, taken as no match (docs/go-compat.md).
      'multipathtcp=0#y': false,
      'multipathtcp=0#n': true,
      'multipathtcp=0#!n': false,
      'multipathtcp=0#-y': true,
      'multipathtcp=0#x': false,
      'multipathtcp=0#101': true,
    });
    await withGodebug('multipathtcp=0', async () => {
      expect(new ListenConfig({ multipathTCP: true }).multipathTCP()).to.equal(true);
      const ln = await new ListenConfig().listen('tcp', '127.0.0.1:0');
      expect(ln.multipathTCP()).to.equal(false);
      if (constants.SO_PROTOCOL !== undefined) expect(protocolOf(ln.syscallConn())).to.equal(6);
      await ln.close();
    });
  });

  it('the default listener is Multipath TCP where the kernel offers it (Go 1.24+)', async function () {
    if (process.platform !== 'linux') skip(this, `MPTCP sockets are Linux's; this is ${process.platform}`);
    if (mptcpEnabled() !== true) skip(this, 'this kernel has no MPTCP, or net.mptcp.enabled is 0');
    const ln = await withGodebug(undefined, () => listen('tcp', '127.0.0.1:0'));
    expect(ln.multipathTCP()).to.equal(true);
    expect(protocolOf(ln.syscallConn())).to.equal(constants.IPPROTO_MPTCP);
    await ln.close();
  });

  it('a plain listener says false', async function () {
    const ln = await new ListenConfig({ multipathTCP: false }).listen('tcp', '127.0.0.1:0');
    expect(ln.multipathTCP()).to.equal(false);
    if (constants.SO_PROTOCOL !== undefined) expect(protocolOf(ln.syscallConn())).to.equal(6); // IPPROTO_TCP
    await ln.close();
  });

  it("Go's fallback, in a network namespace with net.mptcp.enabled = 0: plain TCP, multipathTCP() false, still serving", function () {
    const netns = netnsSkipReason();
    if (netns !== undefined) skip(this, netns);
    if (mptcpEnabled() === undefined)
      skip(this, 'this kernel has no MPTCP at all (then every listener is the fallback)');
    const ns = `listenconfig-mptcp-${process.pid}`;
    const result = inNetns(ns, ['net.mptcp.enabled=0'], (run) =>
      lastJSON(run(process.execPath, [child], { encoding: 'utf8', timeout: 15000 })),
    );
    expect(result).to.deep.equal({ multipathTCP: false, protocol: 6, served: 'served', connMPTCP: false });
  });

  describe("multipathTCP(conn), Go's TCPConn.MultipathTCP", function () {
    it('TestMultipathTCPConn: an MPTCP client on an MPTCP listener: the accepted connection says true', async function () {
      if (process.platform !== 'linux') skip(this, "MPTCP sockets are Linux's");
      if (mptcpEnabled() !== true) skip(this, 'this kernel has no MPTCP, or net.mptcp.enabled is 0');
      if (!python3()) skip(this, 'no python3 to make an MPTCP client socket (Node cannot)');
      const ln = await new ListenConfig({ multipathTCP: true }).listen('tcp', '127.0.0.1:0');
      const client = mptcpClient(ln.addr().port);
      try {
        const conn = await within(ln.accept(), 5000, 'accept');
        expect(multipathTCP(conn)).to.equal(true);
        conn.destroy();
        // Destroyed, it has no descriptor to ask (Go answers true here; see lib/mptcp.ts).
        expect(multipathTCP(conn)).to.equal(false);
      } finally {
        client.stdin.end();
        client.kill();
        await ln.close();
      }
    });

    it("a plain TCP client has fallen back (false) even on an MPTCP listener; so has a plain listener's MPTCP client", async function () {
      if (process.platform === 'linux' && mptcpEnabled() === true && python3()) {
        const plain = await new ListenConfig({ multipathTCP: false }).listen('tcp', '127.0.0.1:0');
        const client = mptcpClient(plain.addr().port);
        try {
          const conn = await within(plain.accept(), 5000, 'accept');
          expect(multipathTCP(conn)).to.equal(false);
          conn.destroy();
        } finally {
          client.stdin.end();
          client.kill();
          await plain.close();
        }
      }
      const ln = await new ListenConfig({ multipathTCP: true }).listen('tcp', '127.0.0.1:0');
      const client = net.connect(ln.addr().port, '127.0.0.1');
      client.on('error', () => {});
      try {
        const conn = await within(ln.accept(), 5000, 'accept');
        expect(multipathTCP(conn)).to.equal(false);
        await within(
          new Promise((resolve) => (client.connecting ? client.once('connect', resolve) : resolve())),
          5000,
          'connect',
        );
        expect(multipathTCP(client)).to.equal(false); // any net.Socket, not only accepted ones
        conn.destroy();
      } finally {
        client.destroy();
        await ln.close();
      }
    });

    it('false for a unix connection and a socket with no descriptor; a TypeError for what is not a net.Socket', async function () {
      expect(multipathTCP(new net.Socket())).to.equal(false);
      expect(() => multipathTCP({})).to.throw(TypeError, /"conn" argument must be an instance of net.Socket/);
      if (process.platform === 'win32') return;
      const ln = await listen('unix', join(tmpdir(), `lc-mptcp-${process.pid}.sock`));
      const client = net.connect(String(ln.addr()));
      client.on('error', () => {});
      try {
        const conn = await within(ln.accept(), 5000, 'accept');
        expect(multipathTCP(conn)).to.equal(false);
        conn.destroy();
      } finally {
        client.destroy();
        await ln.close();
      }
    });
  });
});
