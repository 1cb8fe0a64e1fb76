// A SO_REUSEPORT group on Linux: the kernel hashes each new connection to
// one member's queue whether that member accepts or not, so a member that
// stays open without accepting strands its share; when it closes, its
// queued connections are reset, unless net.ipv4.tcp_migrate_req = 1
// (Linux 5.14), which moves them to the members still open. The sysctl is
// per network namespace: each case runs in one of its own.
import { expect } from './expect.mjs';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { inNetns, lastJSON, netnsSkipReason } from './helpers.mjs';

const child = fileURLToPath(new URL('./fixtures/reuseport-group.mjs', import.meta.url));

function why() {
  if (process.platform !== 'linux')
    return `SO_REUSEPORT groups and tcp_migrate_req are Linux's; this is ${process.platform}`;
  const netns = netnsSkipReason();
  if (netns !== undefined) return netns;
  if (!existsSync('/proc/sys/net/ipv4/tcp_migrate_req'))
    return 'this kernel has no net.ipv4.tcp_migrate_req (Linux >= 5.14)';
  return undefined;
}

function runGroup(migrate) {
  const ns = `listenconfig-rp${migrate}-${process.pid}`;
  return inNetns(ns, [`net.ipv4.tcp_migrate_req=${migrate}`], (run) =>
    lastJSON(run(process.execPath, [child], { encoding: 'utf8', timeout: 20000 })),
  );
}

describe('SO_REUSEPORT group: a member that does not accept, then closes', function () {
  before(function () {
    const reason = why();
    if (reason !== undefined) {
      console.log(`    skipped: ${reason}`);
      this.skip();
    }
  });

  it('an open member that never accepts keeps its share waiting in its own queue', function () {
    const r = runGroup(0);
    expect(r.connected).to.equal(40);
    // 40 clients over two members: both get some (the chance that the hash
    // sends all 40 to one member is 2^-39).
    expect(r.waitingInB).to.be.above(0);
    expect(r.acceptedByA + r.waitingInB).to.equal(40);
  });

  it('tcp_migrate_req = 0: closing it resets the connections waiting in its queue', function () {
    const r = runGroup(0);
    expect(r.waitingInB).to.be.above(0);
    expect(r.afterClose.reset).to.equal(r.waitingInB);
    expect(r.afterClose.acceptedByA).to.equal(r.acceptedByA);
  });

  it('tcp_migrate_req = 1: closing it moves them to the open member, which accepts all 40', function () {
    const r = runGroup(1);
    expect(r.waitingInB).to.be.above(0);
    expect(r.afterClose).to.deep.equal({ acceptedByA: 40, reset: 0 });
  });
});
