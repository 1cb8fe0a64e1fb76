// Upgrader under HTTP load (issue 19): wrk against an HTTP server that
// serve()s the Upgrader's listener and drains with shutdown() on upg.exit,
// upgraded by SIGHUP ten times a second apart. Every request must be
// answered 2xx, with no socket error, in keep-alive mode (the drain's
// case: a request may be on its way to a connection that looks idle) and
// in `Connection: close` mode (a new connection per request: the queue).
import { expect } from './expect.mjs';
import { missingTools, skip } from './helpers.mjs';
import { closeModeSkipReason, upgradesUnderWrk } from './fixtures/upgrade-load.mjs';

const UPGRADES = 10;

describe('Upgrader under HTTP load (wrk)', function () {
  // About 12 s of load per mode, plus starting and stopping the processes.
  this.timeout(60_000);

  before(function () {
    if (process.platform !== 'linux') return skip(this, '/proc tells which processes run: Linux');
    const missing = missingTools('wrk');
    if (missing !== undefined) return skip(this, missing);
  });

  for (const closeMode of [false, true]) {
    const mode = closeMode ? 'Connection: close' : 'keep-alive';
    it(`${mode}: ten SIGHUPs a second apart, all under load: 0 non-2xx, 0 socket errors, a new pid, no orphan`, async function () {
      if (closeMode && closeModeSkipReason() !== undefined) return skip(this, closeModeSkipReason());
      const r = await upgradesUnderWrk({ fixture: 'upgrader-http.mjs', upgrades: UPGRADES, closeMode });
      const { raw, ...shown } = r;
      console.log(`    ${mode}: ${JSON.stringify({ ...shown, failedUpgrades: r.failedUpgrades.length })}`);
      try {
        expect(r.failedUpgrades).to.deep.equal([]);
        expect(r.upgrades).to.equal(UPGRADES);
        // An upgrade after wrk stopped would prove nothing.
        for (const at of r.upgradedAt) {
          expect(at, 'an upgrade before wrk started').to.be.at.least(r.window.start);
          expect(at, 'an upgrade after wrk stopped').to.be.at.most(r.window.end);
        }
        expect(new Set(r.pids).size).to.equal(UPGRADES + 1);
        expect(r.pids.at(-1)).to.not.equal(r.pids[0]);
        expect(r.requests).to.be.above(1000);
        expect(r.non2xx).to.equal(0);
        expect(r.errors).to.deep.equal({ connect: 0, read: 0, write: 0, timeout: 0 });
        expect(r.orphans).to.deep.equal([]);
      } catch (e) {
        console.log(`    wrk's output:\n${raw}`);
        throw e;
      }
    });
  }
});
