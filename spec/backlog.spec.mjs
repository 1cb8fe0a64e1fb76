// TestListenBacklog: the Linux backlog contract. The accept queue holds
// backlog + 1 connections; with nobody accepting, the next SYN is dropped
// and the client waits for a retransmit; one accept() frees room.
import { expect } from './expect.mjs';
import { ListenConfig, listen, maxListenerBacklog } from 'listenconfig';
import { dial, within, until, destroyAll, readSomaxconn } from './helpers.mjs';

const linux = process.platform === 'linux';

describe('Listen backlog (Linux contract)', function () {
  before(function () {
    if (!linux) {
      console.log(`    skipped: the backlog+1 queue is Linux's rule; this is ${process.platform}`);
      this.skip();
    }
  });

  for (const backlog of [1, 4]) {
    it(`backlog ${backlog}: ${backlog + 1} connects complete with nobody accepting, the next waits, one accept() lets it in`, async function () {
      const ln = await new ListenConfig({ backlog }).listen('tcp', ':0');
      const clients = [];
      try {
        expect(ln.backlog).to.deep.equal({ requested: backlog, effective: backlog });
        const port = ln.addr().port;
        for (let i = 0; i < backlog + 1; i++) clients.push(dial(port));
        await within(Promise.all(clients.map((c) => c.connected)), 300, `${backlog + 1} connects`);
        expect(clients.every((c) => c.done)).to.equal(true);
        await until(() => ln.queued() === backlog + 1, 1000, 'the kernel queue to report the connections');

        const extra = dial(port);
        clients.push(extra);
        // The SYN was dropped: the client retransmits after ~1 s. Half a
        // second without a handshake shows it waited.
        await new Promise((r) => setTimeout(r, 500));
        expect(extra.done, 'the connect beyond backlog+1 completed while nobody accepted').to.equal(false);
        expect(ln.queued()).to.equal(backlog + 1);

        const conn = await within(ln.accept(), 1000, 'accept()');
        conn.destroy();
        expect(await within(extra.connected, 5000, 'the waiting connect after one accept()')).to.equal(true);
      } finally {
        destroyAll(clients);
        await ln.close();
      }
    });
  }

  it('new ListenConfig({ backlog: 1 }).listen("tcp", ":0"): exactly 2 of 3 connects complete within 300 ms', async function () {
    const ln = await new ListenConfig({ backlog: 1 }).listen('tcp', ':0');
    const clients = [1, 2, 3].map(() => dial(ln.addr().port));
    try {
      await new Promise((r) => setTimeout(r, 300));
      expect(clients.filter((c) => c.done).length).to.equal(2);
    } finally {
      destroyAll(clients);
      await ln.close();
    }
  });

  it('after accepts, connections that arrive with no accept() pending stay in the kernel queue', async function () {
    const ln = await new ListenConfig({ backlog: 1 }).listen('tcp', '127.0.0.1:0');
    const port = ln.addr().port;
    const clients = [];
    try {
      for (let i = 0; i < 3; i++) {
        clients.push(dial(port));
        (await within(ln.accept(), 2000, 'accept()')).destroy();
      }
      // The watcher may still be registered from the last accept; its next
      // wake-up must leave these where they are: backlog + 1 complete.
      const queue = [dial(port), dial(port)];
      clients.push(...queue);
      await within(Promise.all(queue.map((c) => c.connected)), 1000, 'backlog + 1 connects');
      // Time for a wake-up that would take them out of the kernel's queue.
      await new Promise((r) => setTimeout(r, 100));
      const extra = dial(port);
      clients.push(extra);
      await new Promise((r) => setTimeout(r, 300));
      expect(extra.done, 'a connect beyond backlog + 1 completed while nobody accepted').to.equal(false);
      expect(ln.queued()).to.equal(2);
    } finally {
      destroyAll(clients);
      await ln.close();
    }
  });

  it('a backlog above net.core.somaxconn is clamped, and backlog.effective says so', async function () {
    const somaxconn = readSomaxconn();
    const ln = await new ListenConfig({ backlog: somaxconn + 1000 }).listen('tcp', '127.0.0.1:0');
    try {
      expect(ln.backlog.requested).to.equal(somaxconn + 1000);
      expect(ln.backlog.effective).to.equal(somaxconn);
    } finally {
      await ln.close();
    }
  });

  it('the default backlog is maxListenerBacklog()', async function () {
    const ln = await listen('tcp', '127.0.0.1:0');
    try {
      expect(maxListenerBacklog()).to.equal(readSomaxconn());
      expect(ln.backlog.requested).to.equal(maxListenerBacklog());
      expect(ln.backlog.effective).to.equal(maxListenerBacklog());
      expect(new ListenConfig({ backlog: 0 }).backlog).to.equal(0);
    } finally {
      await ln.close();
    }
  });

  it('queued() counts connections waiting for accept() and drops as they are accepted', async function () {
    const ln = await new ListenConfig({ backlog: 8 }).listen('tcp', '127.0.0.1:0');
    const clients = [];
    try {
      expect(ln.queued()).to.equal(0);
      for (let i = 0; i < 5; i++) clients.push(dial(ln.addr().port));
      await within(Promise.all(clients.map((c) => c.connected)), 2000, '5 connects');
      await until(() => ln.queued() === 5, 1000, 'queued() === 5');
      for (let i = 5; i > 0; i--) {
        (await ln.accept()).destroy();
        expect(ln.queued()).to.equal(i - 1);
      }
    } finally {
      destroyAll(clients);
      await ln.close();
    }
    expect(ln.queued()).to.equal(undefined);
  });
});
