// The package is importable from ESM and CommonJS, as one copy, with types.
import { expect } from 'chai';
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as esm from 'listenconfig';
import lc from 'listenconfig';

const require = createRequire(import.meta.url);

describe('package entry points', function () {
  it('ESM and CommonJS export the same objects', function () {
    const cjs = require('listenconfig');
    const names = Object.keys(cjs).sort();
    expect(names).to.include.members([
      'ListenConfig',
      'listen',
      'maxListenerBacklog',
      'ErrClosed',
      'OpError',
      'constants',
    ]);
    // biome-ignore lint/performance/noDynamicNamespaceImportAccess: the test compares every named export of the two entry points
    for (const n of names) expect(esm[n], n).to.equal(cjs[n]);
  });

  it("ESM's names are CommonJS's, with a default export and no __esModule marker", function () {
    const cjs = require('listenconfig');
    // lib/index.mts lists the names by hand; a name added to index.ts only fails here.
    expect(
      Object.keys(esm)
        .filter((n) => n !== 'default')
        .sort(),
    ).to.deep.equal(Object.keys(cjs).sort());
    expect(Object.keys(esm)).to.not.include('__esModule');
    expect(lc).to.equal(cjs);
    expect(lc.ListenConfig).to.equal(esm.ListenConfig);
  });

  it('TypeScript consumers (ESM and CommonJS) type-check against the published declarations', function () {
    this.timeout(60000);
    const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));
    const project = fileURLToPath(new URL('./types/tsconfig.json', import.meta.url));
    execFileSync(process.execPath, [tsc, '-p', project], { stdio: 'pipe' });
  });

  it('Listener is the interface as a value: instanceof holds for a TCPListener and a LimitListener, not for a look-alike', async function () {
    const { listen, Listener, TCPListener, limitListener } = esm;
    const ln = await listen('tcp', '127.0.0.1:0');
    try {
      expect(ln).to.be.instanceOf(TCPListener);
      expect(ln).to.be.instanceOf(Listener);
      expect(limitListener(ln, 1)).to.be.instanceOf(Listener);
      expect(limitListener(ln, 1)).to.not.be.instanceOf(TCPListener);
      expect({ accept() {}, close() {}, addr() {} }).to.not.be.instanceOf(Listener); // no async iterator
      expect(Listener.acceptBatch).to.equal(8);
    } finally {
      await ln.close();
    }
  });

  it('the constants typed as portable (PortableConstants) are numbers on this OS', function () {
    const portable = [
      'AF_INET',
      'AF_INET6',
      'AF_UNIX',
      'SOCK_STREAM',
      'SOCK_DGRAM',
      'SOL_SOCKET',
      'IPPROTO_IP',
      'IPPROTO_IPV6',
      'IPPROTO_TCP',
      'SO_REUSEADDR',
      'SO_KEEPALIVE',
      'SO_RCVBUF',
      'SO_SNDBUF',
      'SO_LINGER',
      'SO_BROADCAST',
      'SO_ERROR',
      'SO_TYPE',
      'SO_RCVLOWAT',
      'SO_SNDLOWAT',
      'SO_ACCEPTCONN',
      'TCP_NODELAY',
      'IPV6_V6ONLY',
      'IP_TOS',
      'IP_TTL',
      'IPV6_UNICAST_HOPS',
    ];
    for (const n of portable) expect(esm.constants[n], n).to.be.a('number');
  });
});
