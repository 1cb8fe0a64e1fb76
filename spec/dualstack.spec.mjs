// TestListenerDualStack: "tcp" on a wildcard address is one AF_INET6
// socket with IPV6_V6ONLY=0 that accepts IPv4 too; "tcp6" refuses IPv4;
// "tcp4" refuses IPv6.
import { expect } from './expect.mjs';
import { listen, constants, getsockopt } from 'listenconfig';
import { dial, within, destroyAll, hasIPv6Loopback } from './helpers.mjs';

async function accepts(ln, host) {
  const c = dial(ln.addr().port, host);
  try {
    if (!(await within(c.connected, 3000, `connect to ${host}`))) return c.error.code;
    const conn = await within(ln.accept(), 3000, 'accept');
    const remote = conn.remoteAddress;
    conn.destroy();
    return remote;
  } finally {
    destroyAll([c]);
  }
}

describe('dual-stack listeners', function () {
  before(async function () {
    if (!(await hasIPv6Loopback())) {
      console.log('    skipped: this machine has no IPv6 loopback (::1)');
      this.skip();
    }
  });

  it('tcp on ":0" is [::]:PORT with IPV6_V6ONLY=0 and accepts both 127.0.0.1 and ::1', async function () {
    const ln = await listen('tcp', ':0');
    try {
      expect(String(ln.addr())).to.equal(`[::]:${ln.addr().port}`);
      expect(ln.syscallConn().control((fd) => getsockopt(fd, constants.IPPROTO_IPV6, constants.IPV6_V6ONLY))).to.equal(
        0,
      );
      expect(await accepts(ln, '127.0.0.1')).to.equal('::ffff:127.0.0.1');
      expect(await accepts(ln, '::1')).to.equal('::1');
    } finally {
      await ln.close();
    }
  });

  it('tcp on "0.0.0.0:0" is the same dual-stack socket, as in Go', async function () {
    const ln = await listen('tcp', '0.0.0.0:0');
    try {
      expect(String(ln.addr())).to.equal(`[::]:${ln.addr().port}`);
      expect(await accepts(ln, '::1')).to.equal('::1');
    } finally {
      await ln.close();
    }
  });

  it('tcp6 on ":0" sets IPV6_V6ONLY=1 and refuses IPv4', async function () {
    const ln = await listen('tcp6', ':0');
    try {
      expect(ln.syscallConn().control((fd) => getsockopt(fd, constants.IPPROTO_IPV6, constants.IPV6_V6ONLY))).to.equal(
        1,
      );
      expect(await accepts(ln, '::1')).to.equal('::1');
      expect(await accepts(ln, '127.0.0.1')).to.equal('ECONNREFUSED');
    } finally {
      await ln.close();
    }
  });

  it('tcp4 on ":0" is 0.0.0.0:PORT and refuses IPv6', async function () {
    const ln = await listen('tcp4', ':0');
    try {
      expect(String(ln.addr())).to.equal(`0.0.0.0:${ln.addr().port}`);
      expect(await accepts(ln, '127.0.0.1')).to.equal('127.0.0.1');
      expect(await accepts(ln, '::1')).to.equal('ECONNREFUSED');
    } finally {
      await ln.close();
    }
  });

  it('tcp on "localhost:0" binds the first IPv4 address', async function () {
    const ln = await listen('tcp', 'localhost:0');
    try {
      expect(String(ln.addr())).to.equal(`127.0.0.1:${ln.addr().port}`);
    } finally {
      await ln.close();
    }
  });

  it('tcp on "[::1]:0" binds ::1', async function () {
    const ln = await listen('tcp', '[::1]:0');
    try {
      expect(String(ln.addr())).to.equal(`[::1]:${ln.addr().port}`);
      expect(ln.addr().ip).to.equal('::1');
    } finally {
      await ln.close();
    }
  });
});
