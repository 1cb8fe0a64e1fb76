// lib/tcp-wrap.ts: Node's internal tcp_wrap binding, the only way to turn a
// Windows SOCKET into a net.Socket. This test fails loudly when a Node
// release removes or changes it. POSIX adopts accepted sockets the same way
// by default (lib/adopt.ts, test/adopt.test.mjs), so it runs on every OS.
import * as net from 'node:net';
import { expect } from 'chai';
import { tcpWrap, openSocket, adoptedSocket } from '../dist/tcp-wrap.js';
import { binding } from '../dist/native.js';

describe('tcp_wrap (adopting an accepted socket on Windows)', function () {
  it(`process.binding('tcp_wrap') has TCP, TCP.prototype.open and constants.SOCKET in Node ${process.version}`, function () {
    const tw = tcpWrap();
    expect(
      tw,
      `Node ${process.version} removed or changed process.binding('tcp_wrap'): ` +
        'listenconfig can no longer adopt accepted SOCKETs on Windows (lib/tcp-wrap.ts must change)',
    ).to.not.equal(undefined);
    expect(tw.TCP).to.be.a('function');
    expect(tw.TCP.prototype.open).to.be.a('function');
    expect(tw.constants.SOCKET).to.be.a('number');
  });

  it('a socket accepted by the addon becomes a working net.Socket through TCP.open', async function () {
    const { AF_INET, SOCK_STREAM } = binding.constants;
    const s = binding.socket(AF_INET, SOCK_STREAM, 0);
    expect(s).to.be.above(0);
    let acceptor;
    let client;
    try {
      expect(binding.bind(s, AF_INET, '127.0.0.1', '', 0)).to.equal(0);
      expect(binding.listen(s, 4)).to.equal(0);
      const { port } = binding.getsockname(s);
      const out = new Int32Array(binding.Acceptor.batch);
      const accepted = new Promise((resolve, reject) => {
        acceptor = new binding.Acceptor(s, [-1, -1, -1, -1, true], out, (n, err) => {
          acceptor.stop();
          // A slot is the acceptor's until set to -1: close() closes the rest.
          if (n > 0) {
            resolve(out[0]);
            out[0] = -1;
          } else reject(new Error(`accept failed: ${err}`));
        });
      });
      expect(acceptor.start()).to.equal(0);
      client = net.connect({ port, host: '127.0.0.1' });
      client.setEncoding('utf8');
      let got = '';
      client.on('data', (d) => (got += d));
      const closed = new Promise((r) => client.once('close', r));
      const fd = await accepted;
      const conn = openSocket(fd);
      expect(conn).to.be.instanceOf(net.Socket);
      // Windows reports no descriptor for a TCP handle (_handle.fd is -1).
      if (process.platform === 'win32') expect(adoptedSocket(conn)).to.equal(fd);
      else expect(conn._handle.fd).to.equal(fd);
      expect(conn.remotePort).to.equal(client.localPort);
      const echoed = new Promise((r) => conn.once('data', (d) => r(String(d))));
      client.write('ping');
      expect(await echoed).to.equal('ping');
      conn.end('pong');
      await closed;
      expect(got).to.equal('pong');
    } finally {
      client?.destroy();
      if (acceptor !== undefined) acceptor.close();
      else binding.close(s);
    }
  });

  it('a value that is not a socket is refused with a libuv error, and nothing is adopted', function () {
    const r = openSocket(process.platform === 'win32' ? 0x7ffffffc : 2 ** 30);
    expect(r).to.be.a('number');
    expect(r).to.be.below(0);
  });
});
