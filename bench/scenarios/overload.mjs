// 3. Overload with a long hold: many more clients at once than the server
// wants open, each held 2 s. Every client sends one byte and waits up to
// 60 s for the server's close (the server "speaking"). serve() with
// maxConcurrent K keeps at most K connections open by not calling accept()
// while K are open; the others wait in the kernel (the accept queue, then
// SYN retransmits) and cost the process nothing. net.Server takes whatever
// arrives, at its default backlog (511) and at 4096, so the reader sees
// which part of the result is the backlog and which is back-pressure.
// Figures: peak open connections, peak RSS above the idle process, the live
// heap at the peak (the largest heap left after a forced GC, sampled every
// 250 ms: the server runs with --expose-gc), p50/p99 of connect-to-close,
// and clients never served within 60 s.
import { quantile, ratio, rotated, summary } from '../lib/stats.mjs';
import { startServer, runLoad } from '../lib/proc.mjs';

// One load generator process holds at most this many clients: the hard
// RLIMIT_NOFILE here is 20000 and may not be raised.
const PER_GENERATOR = 9000;

export async function overload(ctx) {
  const { bins, quick, node, log } = ctx;
  const rounds = ctx.rounds ?? (quick ? 1 : 3);
  const clients = quick ? 600 : 10_000;
  const holdMs = quick ? 200 : 2000;
  const limit = quick ? 100 : 2000;
  const timeoutMs = quick ? 10_000 : 60_000;
  const gcEveryMs = quick ? 50 : 250;
  const common = { mode: 'hold', holdMs, gcEveryMs };
  const contenders = [
    { name: `serve() K=${limit}`, opt: { kind: 'lc', idiom: 'serve', limit, ...common } },
    { name: 'net.Server', opt: { kind: 'net', ...common } },
    { name: 'net.Server backlog 4096', opt: { kind: 'net', backlog: 4096, ...common } },
  ];
  const runs = Object.fromEntries(contenders.map((c) => [c.name, []]));

  for (let r = 0; r < rounds; r++) {
    for (const c of rotated(contenders, r)) {
      const s = await startServer(node.cmd, ['--expose-gc', ...node.args(c.opt)]);
      // The idle process, after a GC: what the connections add is above it.
      await new Promise((res) => setTimeout(res, 2 * gcEveryMs));
      const before = await s.ask('stats');
      const gens = Math.ceil(clients / PER_GENERATOR);
      const t0 = performance.now();
      const outs = await Promise.all(
        Array.from({ length: gens }, (_, i) => {
          const n = Math.floor(clients / gens) + (i < clients % gens ? 1 : 0);
          return runLoad(bins.loadgen, ['hold', '127.0.0.1', s.port, n, timeoutMs], { timeoutMs: timeoutMs + 30_000 });
        }),
      );
      const wallS = (performance.now() - t0) / 1000;
      const after = await s.ask('stats');
      await s.stop();
      const parsed = outs.map((o) => JSON.parse(o));
      const times = parsed.flatMap((o) => o.times_us);
      const ok = times.filter((t) => t >= 0);
      const sum = (k) => parsed.reduce((a, o) => a + o[k], 0);
      const run = {
        peakRssMB: after.maxrss_kb / 1024,
        idleRssMB: before.maxrss_kb / 1024,
        idleLiveHeapMB: before.peak_live_heap_bytes / 2 ** 20,
        peakLiveHeapMB: after.peak_live_heap_bytes / 2 ** 20,
        peakOpen: after.peak_open,
        unserved: times.length - ok.length,
        // Why: the connect never completed, or the server never closed.
        connectTimeouts: sum('connect_timeouts'),
        closeTimeouts: sum('close_timeouts'),
        errors: sum('errors'),
        p50Ms: quantile(ok, 0.5) / 1000,
        p99Ms: quantile(ok, 0.99) / 1000,
        maxMs: Math.max(...ok) / 1000,
        wallS,
      };
      runs[c.name].push(run);
      log(
        `overload round ${r + 1}/${rounds}  ${c.name.padEnd(24)} peak open ${run.peakOpen}, RSS ${run.peakRssMB.toFixed(0)} MB (idle ${run.idleRssMB.toFixed(0)}), ` +
          `live heap ${run.peakLiveHeapMB.toFixed(1)} MB (idle ${run.idleLiveHeapMB.toFixed(1)}), unserved ${run.unserved}, ` +
          `p50 ${run.p50Ms.toFixed(0)} ms, p99 ${run.p99Ms.toFixed(0)} ms, ${wallS.toFixed(1)} s`,
      );
    }
  }

  const result = { clients, holdMs, limit, timeoutMs, gcEveryMs, rounds, contenders: {}, ratios: {} };
  for (const c of contenders) {
    const rs = runs[c.name];
    const col = (k) => summary(rs.map((x) => x[k]));
    result.contenders[c.name] = Object.fromEntries(
      [
        'peakRssMB',
        'idleRssMB',
        'idleLiveHeapMB',
        'peakLiveHeapMB',
        'peakOpen',
        'unserved',
        'connectTimeouts',
        'closeTimeouts',
        'errors',
        'p50Ms',
        'p99Ms',
        'maxMs',
        'wallS',
      ]
        .map((k) => [k, col(k)])
        .concat([['runs', rs]]),
    );
  }
  const growth = (rs) => rs.map((x) => x.peakRssMB - x.idleRssMB);
  const live = (rs) => rs.map((x) => x.peakLiveHeapMB - x.idleLiveHeapMB);
  const lc = runs[contenders[0].name];
  for (const base of contenders.slice(1)) {
    const b = runs[base.name];
    result.ratios[`${contenders[0].name} / ${base.name}`] = {
      rssGrowth: ratio(growth(lc), growth(b)),
      liveHeapGrowth: ratio(live(lc), live(b)),
      p99: ratio(
        lc.map((x) => x.p99Ms),
        b.map((x) => x.p99Ms),
      ),
    };
  }
  return result;
}
