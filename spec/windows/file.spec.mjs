// Deploying on Windows (#19): what Go does not support there, the package
// refuses with Go's text (`not supported by windows`) or says why:
// fileListener, filePacketConn and ln.file() (Go's FileListener and
// File()), socket activation (go-systemd's Files is nil on Windows),
// Upgrader.upgrade() (tableflip's is refused on Windows too), and unixMode
// (a unix listener is refused before any mode applies).
import { expect } from '../expect.mjs';
import * as net from 'node:net';
import { ListenConfig, OpError, Upgrader, activation, fileListener, filePacketConn, listen } from 'listenconfig';
import { thrown, within } from '../helpers.mjs';
import { onlyWindows } from './helpers.mjs';

describe('Windows: handing on and inheriting listeners are refused, saying why', function () {
  before(function () {
    onlyWindows(this);
  });

  it("fileListener(3) and filePacketConn(3): Go's `file file+net 3: not supported by windows`", function () {
    for (const f of [() => fileListener(3), () => filePacketConn(3), () => fileListener(3, new ListenConfig())]) {
      const e = thrown(f);
      expect(e).to.be.instanceOf(OpError);
      expect(e.message).to.equal('file file+net 3: not supported by windows');
    }
  });

  it("ln.file(): Go's `file tcp ADDR: not supported by windows`, and the listener still serves", async function () {
    const ln = await listen('tcp', '127.0.0.1:0');
    try {
      const e = thrown(() => ln.file());
      expect(e).to.be.instanceOf(OpError);
      expect(e.message).to.equal(`file tcp ${ln.addr()}: not supported by windows`);
      const c = net.connect(ln.addr().port, '127.0.0.1');
      const conn = await within(ln.accept(), 10_000, 'the accept');
      conn.destroy();
      c.destroy();
    } finally {
      await ln.close();
    }
  });

  it('activation: nothing and the variables left as they are (go-systemd returns nil on Windows), a warning when LISTEN_PID is set', async function () {
    const warnings = [];
    const onWarning = (w) => warnings.push(`${w.code}: ${w.message}`);
    process.on('warning', onWarning);
    try {
      process.env.LISTEN_PID = String(process.pid);
      process.env.LISTEN_FDS = '1';
      expect(activation.listeners()).to.deep.equal([]);
      expect(process.env.LISTEN_PID).to.equal(String(process.pid));
      expect(process.env.LISTEN_FDS).to.equal('1');
      await new Promise((r) => setImmediate(r));
      expect(warnings).to.deep.equal([
        "LISTENCONFIG_ACTIVATION: LISTEN_PID is set, but socket activation is systemd's: not supported on Windows, ignored",
      ]);
      // Without the variables, nothing and no warning.
      delete process.env.LISTEN_PID;
      delete process.env.LISTEN_FDS;
      expect(activation.files()).to.deep.equal([]);
      await new Promise((r) => setImmediate(r));
      expect(warnings.length).to.equal(1);
    } finally {
      process.off('warning', onWarning);
      delete process.env.LISTEN_PID;
      delete process.env.LISTEN_FDS;
    }
  });

  it('Upgrader: listen() makes a listener; upgrade() rejects with `upgrade: not supported by windows`', async function () {
    const upg = new Upgrader();
    const ln = await upg.listen('tcp', '127.0.0.1:0');
    try {
      expect(upg.hasParent()).to.equal(false);
      const e = await upg.upgrade().catch((x) => x);
      expect(e.message).to.equal('upgrade: not supported by windows');
      expect(e.code).to.equal('ERR_LISTENCONFIG_UPGRADE');
    } finally {
      upg.stop();
      await ln.close();
    }
  });

  it('unixMode: a unix listener is refused before any mode applies, saying why', async function () {
    const e = await new ListenConfig({ unixMode: 0o600 }).listen('unix', 'app.sock').catch((x) => x);
    expect(e).to.be.instanceOf(OpError);
    expect(e.message).to.equal(
      "listen unix app.sock: network unix is not supported on Windows: Node's pipes there are named pipes, which cannot carry an AF_UNIX socket",
    );
  });
});
