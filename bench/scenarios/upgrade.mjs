// 9. Upgrades under HTTP load (#19): requests lost while a server is
// upgraded in place, N times a second apart, under wrk (16 connections),
// keep-alive and `Connection: close`. Upgrader with shutdown()'s drain
// (spec/fixtures/upgrader-http.mjs, the fixture of
// spec/upgrader-http.spec.mjs) against the naive restart
// (spec/fixtures/restart-http.mjs: an http.Server closes as Go's Shutdown
// does, the next process retries listen() every 2 ms).
import { rotated, summary } from '../lib/stats.mjs';
import { haveWrk, WRK_MISSING } from './http.mjs';
import { closeModeSkipReason, upgradesUnderWrk } from '../../spec/fixtures/upgrade-load.mjs';

export async function upgrade(ctx) {
  const { quick, log } = ctx;
  if (process.platform !== 'linux') return { skipped: 'upgrade: the processes are watched through /proc (Linux)' };
  if (!haveWrk()) return { skipped: WRK_MISSING };
  const rounds = ctx.rounds ?? (quick ? 1 : 2);
  const params = { upgrades: quick ? 3 : 10, gapMs: quick ? 500 : 1000, connections: 16 };
  const contenders = [
    { name: 'Upgrader + drain', fixture: 'upgrader-http.mjs' },
    { name: 'naive restart', fixture: 'restart-http.mjs' },
  ];
  const result = { tool: 'wrk', ...params, rounds, modes: {} };
  for (const closeMode of [false, true]) {
    const mode = closeMode ? 'Connection: close' : 'keep-alive';
    if (closeMode && closeModeSkipReason() !== undefined) {
      result.modes[mode] = { skipped: closeModeSkipReason() };
      log(`upgrade ${mode}: skipped: ${closeModeSkipReason()}`);
      continue;
    }
    const runs = Object.fromEntries(contenders.map((c) => [c.name, []]));
    for (let r = 0; r < rounds; r++) {
      for (const c of rotated(contenders, r)) {
        const out = await upgradesUnderWrk({ fixture: c.fixture, closeMode, ...params, leadMs: params.gapMs });
        if (out.orphans.length > 0) throw new Error(`bench upgrade: ${c.name} left processes ${out.orphans}`);
        const run = {
          requests: out.requests,
          non2xx: out.non2xx,
          socketErrors: out.socketErrors,
          errors: out.errors,
          upgrades: out.upgrades,
        };
        runs[c.name].push(run);
        log(
          `upgrade round ${r + 1}/${rounds}  ${mode.padEnd(18)} ${c.name.padEnd(17)} ${String(run.requests).padStart(8)} requests  ${String(run.non2xx).padStart(4)} non-2xx  ${String(run.socketErrors).padStart(5)} socket errors over ${run.upgrades} upgrades`,
        );
      }
    }
    const total = (name, k) => runs[name].reduce((s, x) => s + x[k], 0);
    result.modes[mode] = {
      contenders: Object.fromEntries(
        contenders.map((c) => [
          c.name,
          {
            requests: total(c.name, 'requests'),
            non2xx: total(c.name, 'non2xx'),
            socketErrors: total(c.name, 'socketErrors'),
            upgrades: total(c.name, 'upgrades'),
            lostPerRound: summary(runs[c.name].map((x) => x.non2xx + x.socketErrors)),
            runs: runs[c.name],
          },
        ]),
      ),
    };
  }
  return result;
}
