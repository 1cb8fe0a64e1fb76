// 3. Overload: many more clients than the server wants at once, against a
// handler that holds each connection for 50 ms. The pull-based accept loop
// keeps at most K connections open by not calling accept() while K are
// open; everything else waits in the kernel (the accept queue, then SYN
// retransmits) and costs the process nothing. net.Server takes whatever
// arrives. Figures: the server's peak RSS and the clients' completion times
// (connect to the server's close).
import { quantile, ratio, rotated, summary } from '../lib/stats.mjs';
import { startServer, runLoad } from '../lib/proc.mjs';

// One load generator process holds at most this many clients: the hard
// RLIMIT_NOFILE here is 20000 and may not be raised.
const PER_GENERATOR = 9000;

export async function overload(ctx) {
  const { bins, quick, node, log } = ctx;
  const rounds = quick ? 1 : 5;
  const clients = quick ? 1000 : 20_000;
  const holdMs = 50;
  const limit = quick ? 100 : 1000;
  const timeoutMs = 30_000;
  const contenders = [
    { name: `listenconfig K=${limit}`, opt: { kind: 'lc', mode: 'hold', holdMs, limit } },
    { name: 'net.Server', opt: { kind: 'net', mode: 'hold', holdMs } },
  ];
  const runs = Object.fromEntries(contenders.map((c) => [c.name, []]));

  for (let r = 0; r < rounds; r++) {
    for (const c of rotated(contenders, r)) {
      const s = await startServer(node.cmd, node.args(c.opt));
      const before = await s.ask('stats');
      const gens = Math.ceil(clients / PER_GENERATOR);
      const t0 = performance.now();
      const outs = await Promise.all(
        Array.from({ length: gens }, (_, i) => {
          const n = Math.floor(clients / gens) + (i < clients % gens ? 1 : 0);
          return runLoad(bins.loadgen, ['hold', '127.0.0.1', s.port, n, timeoutMs]);
        }),
      );
      const wallS = (performance.now() - t0) / 1000;
      const after = await s.ask('stats');
      await s.stop();
      const times = outs.flatMap((o) => JSON.parse(o).times_us);
      const ok = times.filter((t) => t >= 0);
      const run = {
        peakRssMB: after.maxrss_kb / 1024,
        idleRssMB: before.maxrss_kb / 1024,
        peakOpen: after.peak_open,
        failed: times.length - ok.length,
        p50Ms: quantile(ok, 0.5) / 1000,
        p99Ms: quantile(ok, 0.99) / 1000,
        maxMs: Math.max(...ok) / 1000,
        wallS,
      };
      runs[c.name].push(run);
      log(`overload round ${r + 1}/${rounds}  ${c.name.padEnd(22)} peak RSS ${run.peakRssMB.toFixed(0)} MB (idle ${run.idleRssMB.toFixed(0)}), peak open ${run.peakOpen}, failed ${run.failed}, p50 ${run.p50Ms.toFixed(0)} ms, p99 ${run.p99Ms.toFixed(0)} ms, ${wallS.toFixed(1)} s`);
    }
  }

  const result = { clients, holdMs, limit, rounds, contenders: {}, ratios: {} };
  for (const c of contenders) {
    const rs = runs[c.name];
    const col = (k) => summary(rs.map((x) => x[k]));
    result.contenders[c.name] = {
      peakRssMB: col('peakRssMB'),
      idleRssMB: col('idleRssMB'),
      peakOpen: col('peakOpen'),
      failed: col('failed'),
      p50Ms: col('p50Ms'),
      p99Ms: col('p99Ms'),
      maxMs: col('maxMs'),
      wallS: col('wallS'),
      runs: rs,
    };
  }
  const [lc, net] = contenders.map((c) => runs[c.name]);
  // RSS above the idle process: what the connections cost.
  const growth = (rs) => rs.map((x) => x.peakRssMB - x.idleRssMB);
  result.ratios[`${contenders[0].name} / net.Server`] = {
    rssGrowth: ratio(growth(lc), growth(net)),
    p99: ratio(lc.map((x) => x.p99Ms), net.map((x) => x.p99Ms)),
  };
  return result;
}
