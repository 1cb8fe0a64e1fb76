// TestListenBacklogClamp in a network namespace: net.core.somaxconn is per
// namespace, so the suite can set it to 8 without touching the machine.
import { expect } from './expect.mjs';
import { fileURLToPath } from 'node:url';
import { inNetns, lastJSON, netnsSkipReason } from './helpers.mjs';

const child = fileURLToPath(new URL('./fixtures/netns-child.mjs', import.meta.url));
const ns = `listenconfig-${process.pid}`;

const why = netnsSkipReason;

describe('backlog in a network namespace with net.core.somaxconn = 8', function () {
  let result;

  before(function () {
    const reason = why();
    if (reason !== undefined) {
      console.log(`    skipped: ${reason}`);
      this.skip();
    }
    result = inNetns(ns, ['net.core.somaxconn=8'], (run) =>
      lastJSON(run(process.execPath, [child], { encoding: 'utf8', timeout: 15000 })),
    );
  });

  it("maxListenerBacklog() reads the namespace's somaxconn", function () {
    expect(result.max).to.equal(8);
  });

  it('the default listener requests and gets 8', function () {
    expect(result.dflt).to.deep.equal({ requested: 8, effective: 8 });
  });

  it('backlog 100 is clamped to 8, and backlog.effective says so', function () {
    expect(result.big).to.deep.equal({ requested: 100, effective: 8 });
  });

  it('with nobody accepting, exactly 9 of 12 connects complete (backlog + 1)', function () {
    expect(result.connected).to.equal(9);
    expect(result.queued).to.equal(9);
  });
});
