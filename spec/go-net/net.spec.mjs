// Go's close tests (Go 1.27, src/net/net_test.go), ported: a closed
// listener's close succeeded and its accept fails.
import { expect } from '../expect.mjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listen, OpError, ErrClosed } from 'listenconfig';

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
      if (network === 'unixpacket')
        skip(this, 'unixpacket listeners are the message-socket branch (issue 18, part 3); enable after its merge');
      if (network === 'unix' && process.platform === 'win32')
        skip(this, 'unix listeners are not supported on Windows (docs/guide.md, "Unix sockets")');
      const ln = await listen(network, network === 'tcp' ? '127.0.0.1:0' : join(dir, 'close.sock'));
      await ln.close();
      const e = await ln.accept().then(
        (c) => {
          c.destroy();
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
  for (const network of ['udp', 'unixgram']) {
    it(network, function () {
      if (network === 'udp')
        skip(this, "listenPacket('udp') gives a dgram.Socket, which has no ReadFrom to fail after close");
      skip(this, 'unixgram packet sockets are the message-socket branch (issue 18, part 3); enable after its merge');
    });
  }
});
