// Go's Multipath TCP test (Go 1.27, src/net/mptcpsock_linux_test.go),
// ported: under GODEBUG=multipathtcp=0 a ListenConfig is off until
// setMultipathTCP(true), under =1 it is on by itself; the listener's
// network is 'tcp'; an MPTCP client's bytes come back (Go's transponder);
// the accepted connection is using MPTCP, and (Linux 5.16+) is an
// IPPROTO_MPTCP socket. Node cannot make an MPTCP client: python3 does.
import { expect } from '../expect.mjs';
import { spawn, spawnSync } from 'node:child_process';
import { ListenConfig, multipathTCP, syscallConn, constants, getsockopt } from 'listenconfig';
import { missingTools, within } from '../helpers.mjs';

function skip(ctx, why) {
  console.log(`    skipped: ${why}`);
  ctx.skip();
}

// Go's canCreateMPTCPSocket, asked of python3 (which makes the client too).
function canCreateMPTCPSocket() {
  const r = spawnSync(
    'python3',
    ['-c', `import socket; socket.socket(socket.AF_INET, socket.SOCK_STREAM, ${constants.IPPROTO_MPTCP}).close()`],
    { stdio: 'ignore' },
  );
  return r.status === 0;
}

// Go's dialerMPTCP: connect with MPTCP, write, read the echo back.
function dialMPTCP(port) {
  const script = `import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, ${constants.IPPROTO_MPTCP})
s.connect(("127.0.0.1", ${port}))
s.sendall(b"MPTCP TEST")
got = b""
while len(got) < 10:
    b = s.recv(10 - len(got))
    if not b: break
    got += b
sys.stdout.write(got.decode())
s.close()`;
  return new Promise((resolve, reject) => {
    const p = spawn('python3', ['-c', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`the MPTCP client exited with ${code}`))));
  });
}

describe('TestMultiPathTCP', function () {
  before(function () {
    if (process.platform !== 'linux') skip(this, `MPTCP is Linux's; this is ${process.platform}`);
    const tools = missingTools('python3');
    if (tools !== undefined) skip(this, `${tools}: python3 makes the MPTCP client`);
    if (!canCreateMPTCPSocket()) skip(this, 'cannot create MPTCP sockets here (no MPTCP, or net.mptcp.enabled=0)');
  });
  for (const envVar of [false, true]) {
    it(`GODEBUG=multipathtcp=${envVar ? 1 : 0}`, async function () {
      const saved = process.env.GODEBUG;
      process.env.GODEBUG = `multipathtcp=${envVar ? 1 : 0}`;
      try {
        const lc = new ListenConfig();
        if (envVar) {
          expect(lc.multipathTCP(), 'on by GODEBUG=multipathtcp=1').to.equal(true);
        } else {
          expect(lc.multipathTCP(), 'off by GODEBUG=multipathtcp=0').to.equal(false);
          lc.setMultipathTCP(true);
          expect(lc.multipathTCP(), 'on once forced').to.equal(true);
        }
        const ln = await lc.listen('tcp', '127.0.0.1:0');
        try {
          expect(ln.addr().network).to.equal('tcp');
          const echoed = dialMPTCP(ln.addr().port);
          const conn = await within(ln.accept(), 10000, 'accept');
          // Go's transponder: echo what arrives until the peer closes.
          conn.pipe(conn);
          const mptcp = multipathTCP(conn);
          const proto = syscallConn(conn).control((fd) => getsockopt(fd, constants.SOL_SOCKET, constants.SO_PROTOCOL));
          expect(await within(echoed, 10000, 'the echo')).to.equal('MPTCP TEST');
          expect(mptcp, 'the accepted connection uses MPTCP').to.equal(true);
          expect(proto, 'the accepted connection is an MPTCP socket').to.equal(constants.IPPROTO_MPTCP);
          conn.destroy();
        } finally {
          await ln.close();
        }
      } finally {
        if (saved === undefined) delete process.env.GODEBUG;
        else process.env.GODEBUG = saved;
      }
    });
  }
});
