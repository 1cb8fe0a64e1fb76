// Multipath TCP, as Go 1.21's ListenConfig.SetMultipathTCP
// (mptcpsock_linux.go): an IPPROTO_MPTCP listening socket where the kernel
// offers one, plain TCP where it refuses (Go's fallback), and
// ln.multipathTCP() says which. Go 1.19 (the reference here) has no MPTCP,
// so these are checked against the kernel, not against Go.
import { expect } from './expect.mjs';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as net from 'node:net';
import { fileURLToPath } from 'node:url';
import { ListenConfig, syscallConn, constants, getsockopt } from 'listenconfig';
import { within } from './helpers.mjs';

const child = fileURLToPath(new URL('./fixtures/mptcp-child.mjs', import.meta.url));

function skip(ctx, why) {
  console.log(`    skipped: ${why}`);
  ctx.skip();
}

// net.mptcp.enabled of this namespace, or undefined without MPTCP support.
function mptcpEnabled() {
  const f = '/proc/sys/net/mptcp/enabled';
  return existsSync(f) ? readFileSync(f, 'utf8').trim() === '1' : undefined;
}

const protocolOf = (raw) => raw.control((fd) => getsockopt(fd, constants.SOL_SOCKET, constants.SO_PROTOCOL));

describe('Multipath TCP (Go 1.21: ListenConfig.SetMultipathTCP)', function () {
  it('the option and Go\'s MultipathTCP/SetMultipathTCP pair: off by default, a boolean only', function () {
    const lc = new ListenConfig();
    expect(lc.multipathTCP()).to.equal(false);
    lc.setMultipathTCP(true);
    expect(lc.multipathTCP()).to.equal(true);
    expect(new ListenConfig({ multipathTCP: true }).multipathTCP()).to.equal(true);
    expect(() => new ListenConfig({ multipathTCP: 1 })).to.throw(TypeError, /"multipathTCP" option must be of type boolean/);
    expect(() => lc.setMultipathTCP('yes')).to.throw(TypeError, /"use" argument must be of type boolean/);
  });

  it('TestMultipathTCPListener: an IPPROTO_MPTCP listener that accepts plain TCP clients, with Go\'s keep-alive on them', async function () {
    if (process.platform !== 'linux') skip(this, 'MPTCP sockets are Linux\'s (Go listens with plain TCP elsewhere; next test)');
    if (mptcpEnabled() !== true) skip(this, 'this kernel has no MPTCP, or net.mptcp.enabled is 0 (the netns test covers the fallback)');
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

  it('a plain listener says false', async function () {
    const ln = await new ListenConfig().listen('tcp', '127.0.0.1:0');
    expect(ln.multipathTCP()).to.equal(false);
    if (constants.SO_PROTOCOL !== undefined) expect(protocolOf(ln.syscallConn())).to.equal(6); // IPPROTO_TCP
    await ln.close();
  });

  it('Go\'s fallback, in a network namespace with net.mptcp.enabled = 0: plain TCP, multipathTCP() false, still serving', function () {
    if (process.platform !== 'linux') skip(this, `network namespaces are Linux's; this is ${process.platform}`);
    if (process.getuid?.() !== 0) skip(this, 'creating a network namespace needs root');
    if (mptcpEnabled() === undefined) skip(this, 'this kernel has no MPTCP at all (then every listener is the fallback)');
    const ns = `listenconfig-mptcp-${process.pid}`;
    execFileSync('ip', ['netns', 'add', ns]);
    let result;
    try {
      execFileSync('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up']);
      execFileSync('ip', ['netns', 'exec', ns, 'sysctl', '-q', '-w', 'net.mptcp.enabled=0']);
      const out = execFileSync('ip', ['netns', 'exec', ns, process.execPath, child], { encoding: 'utf8', timeout: 15000 });
      result = JSON.parse(out.trim().split('\n').pop());
    } finally {
      execFileSync('ip', ['netns', 'del', ns]);
    }
    expect(result).to.deep.equal({ multipathTCP: false, protocol: 6, served: 'served' });
  });
});
