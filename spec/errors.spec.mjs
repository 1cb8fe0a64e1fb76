// TestListenErrors: Go's error texts to the letter, Node's error fields, and
// no descriptor left behind by any failure path.
import { expect } from './expect.mjs';
import { ListenConfig, listen, OpError, AddrError, UnknownNetworkError, SyscallError, DNSError } from 'listenconfig';
import { expectSameFdCount } from './helpers.mjs';

async function failure(p) {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('listen succeeded');
}

describe('listen errors (Go texts)', function () {
  const cases = [
    ['tcp', ':99999', 'listen tcp: address 99999: invalid port', AddrError],
    ['tcp', '127.0.0.1', 'listen tcp: address 127.0.0.1: missing port in address', AddrError],
    ['tcpx', ':0', 'listen tcpx: unknown network tcpx', UnknownNetworkError],
    ['tcp', '192.0.2.1:0', 'listen tcp 192.0.2.1:0: bind: cannot assign requested address', SyscallError],
    ['tcp4', '[::1]:0', 'listen tcp4: address ::1: no suitable address found', AddrError],
    ['tcp', '1.2.3:0', 'listen tcp: lookup 1.2.3: no such host', DNSError],
    ['tcp', ':nosuchservice', 'listen tcp: lookup tcp/nosuchservice: unknown port', DNSError],
  ];
  for (const [network, address, text, errType] of cases) {
    it(`Listen("${network}", "${address}"): ${text}`, async function () {
      const e = await failure(listen(network, address));
      expect(e).to.be.instanceOf(OpError);
      expect(e.message).to.equal(text);
      expect(e.op).to.equal('listen');
      expect(e.net).to.equal(network);
      expect(e.err).to.be.instanceOf(errType);
    });
  }

  it("system errors carry Node's code, errno and syscall", async function () {
    const e = await failure(listen('tcp', '192.0.2.1:0'));
    expect(e.code).to.equal('EADDRNOTAVAIL');
    expect(e.syscall).to.equal('bind');
    expect(e.errno).to.be.a('number').and.below(0);
    expect(String(e.addr)).to.equal('192.0.2.1:0');
  });

  it('no failure path leaks a descriptor', async function () {
    const holder = await listen('tcp4', '127.0.0.1:0');
    const inUse = `127.0.0.1:${holder.addr().port}`;
    const failing = [
      () => listen('tcp', '192.0.2.1:0'), // bind fails
      () => listen('tcp4', inUse), // address in use
      () => listen('tcp', ':99999'), // before any socket
      () =>
        new ListenConfig({
          control: () => {
            throw new Error('x');
          },
        }).listen('tcp', ':0'),
      () => {
        const ac = new AbortController();
        const p = new ListenConfig({ control: () => ac.abort() }).listen('tcp', '127.0.0.1:0', { signal: ac.signal });
        return p;
      },
    ];
    try {
      for (const f of failing) await failure(f()); // warm-up
      await expectSameFdCount(async () => {
        for (let i = 0; i < 100; i++) for (const f of failing) await failure(f());
      });
    } finally {
      await holder.close();
    }
  });
});
