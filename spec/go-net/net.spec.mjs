// Go's close tests (Go 1.27, src/net/net_test.go), ported: a closed
// listener's close succeeded and its accept fails; a closed packet
// connection's ReadFrom fails.
import { expect } from '../expect.mjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listen, listenPacket, OpError, ErrClosed } from 'listenconfig';

function skip(ctx, why) {
  console.log(`    skipped: ${why}`);
  ctx.skip();
}

describe('TestListenerClose', function () {
  let dir;
  before(function () {
    dir = mkdtempSync(join(tmpdir(), 'lc-gonet-close-'));
  });
  after(function () {
    rmSync(dir, { recursive: true, force: true });
  });
  for (const network of ['tcp', 'unix', 'unixpacket']) {
    it(network, async function () {
      if (network.startsWith('unix') && process.platform === 'win32')
        skip(this, 'unix listeners are not supported on Windows (docs/guide.md, "Unix sockets")');
      const ln = await listen(network, network === 'tcp' ? '127.0.0.1:0' : join(dir, 'close.sock'));
      await ln.close();
      const e = await ln.accept().then(
        (c) => {
          if (typeof c.destroy === 'function') c.destroy();
          else c.close();
          throw new Error('accept should fail');
        },
        (e) => e,
      );
      expect(e).to.be.instanceOf(OpError);
      expect(e.err).to.equal(ErrClosed);
    });
  }
});

describe('TestPacketConnClose', function () {
  let dir;
  before(function () {
    dir = mkdtempSync(join(tmpdir(), 'lc-gonet-pclose-'));
  });
  after(function () {
    rmSync(dir, { recursive: true, force: true });
  });
  for (const network of ['udp', 'unixgram']) {
    it(network, async function () {
      if (network === 'udp')
        skip(this, "listenPacket('udp') gives a dgram.Socket, which has no ReadFrom to fail after close");
      if (process.platform === 'win32') skip(this, 'unixgram is not supported on Windows (docs/message-sockets.md)');
      const c = await listenPacket(network, join(dir, 'packet-close.sock'));
      await c.close();
      const e = await c.readFrom(Buffer.alloc(1)).then(
        (r) => {
          throw new Error(`readFrom after close should fail, got ${r.n} bytes`);
        },
        (e) => e,
      );
      expect(e).to.be.instanceOf(OpError);
      expect(e.op).to.equal('read');
      expect(e.err).to.equal(ErrClosed);
    });
  }
});
