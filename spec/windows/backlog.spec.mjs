// TestListenBacklogWindows, the Windows variant of spec/backlog.spec.mjs,
// modelled on the test of Go issue 39000: 500 clients connect at once to a
// server that is not accepting. With backlog 500 (SOMAXCONN_HINT(500)) every
// connect completes; with Winsock's plain ~200 queue they cannot all fit.
import { expect } from '../expect.mjs';
import { ListenConfig } from 'listenconfig';
import { dial, within, destroyAll } from '../helpers.mjs';
import { onlyWindows, wine } from './helpers.mjs';

const N = 500;

describe('Listen backlog (Windows, Go issue 39000)', function () {
  before(function () {
    onlyWindows(this);
  });

  it(`backlog ${N}: ${N} simultaneous connects all complete with nobody accepting, then all are accepted`, async function () {
    this.timeout(120000);
    const ln = await new ListenConfig({ backlog: N }).listen('tcp4', '127.0.0.1:0');
    const clients = [];
    try {
      expect(ln.backlog).to.deep.equal({ requested: N, effective: N });
      for (let i = 0; i < N; i++) clients.push(dial(ln.addr().port));
      const ok = await within(Promise.all(clients.map((c) => c.connected)), 60000, `${N} connects`);
      const refused = clients.filter((c) => c.error !== undefined).map((c) => c.error.code);
      expect(refused, 'connects that failed').to.deep.equal([]);
      expect(ok.every(Boolean)).to.equal(true);
      for (let i = 0; i < N; i++) (await within(ln.accept(), 10000, `accept() ${i + 1}`)).destroy();
    } finally {
      destroyAll(clients);
      await ln.close();
    }
  });

  it(`backlog 199 (no hint): Winsock's queue refuses part of ${N} simultaneous connects`, async function () {
    if (wine) {
      // Wine maps listen() onto Linux, whose queue drops the extra SYNs and
      // lets the clients retry instead of refusing them.
      console.log("    skipped: Winsock's overflow (RST, ECONNREFUSED) needs real Windows; this is Wine");
      this.skip();
    }
    this.timeout(120000);
    const ln = await new ListenConfig({ backlog: 199 }).listen('tcp4', '127.0.0.1:0');
    const clients = [];
    try {
      for (let i = 0; i < N; i++) clients.push(dial(ln.addr().port));
      // Give every client time for Windows' own SYN retries (about 2 s).
      await Promise.race([Promise.all(clients.map((c) => c.connected)), new Promise((r) => setTimeout(r, 10000))]);
      const done = clients.filter((c) => c.done).length;
      expect(done, `connects completed of ${N} with a 199 queue`).to.be.below(N);
    } finally {
      destroyAll(clients);
      await ln.close();
    }
  });
});
