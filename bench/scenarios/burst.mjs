// 2. The origin scenario (Go issue 39000, Node issue 38736): N clients
// connect at once while the server's event loop is busy for 1 s. A connect
// that takes longer than 0.9 s waited for a SYN retransmit (the first comes
// after 1 s), which means the accept queue overflowed; none may fail.
import { quantile, rotated, summary } from '../lib/stats.mjs';
import { startServer, runLoad } from '../lib/proc.mjs';

export const DELAYED_US = 900_000;

/** One server's figures at one N, each summarised over the rounds `rs` (burst-scale.mjs shares it). */
export function burstCase(n, contender, rs) {
  const col = (k) => summary(rs.map((x) => x[k]));
  return {
    n,
    contender,
    failed: col('failed'),
    delayed: col('delayed'),
    p50Ms: col('p50Ms'),
    p99Ms: col('p99Ms'),
    maxMs: col('maxMs'),
  };
}

export async function burst(ctx) {
  const { bins, quick, node, log } = ctx;
  const rounds = ctx.rounds ?? (quick ? 1 : 5);
  const busyMs = quick ? 300 : 1000;
  const timeoutMs = quick ? 5000 : 10_000;

  // The queue this machine grants a default ListenConfig (the kernel clamps
  // to net.core.somaxconn); N is capped by it, as the issue asks.
  const probe = await startServer(node.cmd, node.args({ kind: 'lc', mode: 'close' }));
  const effective = probe.hello.backlog.effective;
  await probe.stop();
  const requestedNs = quick ? [100] : [500, 1000, 3000, 10_000];
  const ns = [...new Set(requestedNs.map((n) => Math.min(n, effective)))];

  const contenders = [
    { name: 'listenconfig', opt: { kind: 'lc', mode: 'close' } },
    { name: 'net.Server', opt: { kind: 'net', mode: 'close' } },
    { name: `net.Server backlog ${effective}`, opt: { kind: 'net', mode: 'close', backlog: effective } },
  ];
  const runs = {};
  const pooled = {};
  for (const n of ns) for (const c of contenders) (runs[`${n}/${c.name}`] = []), (pooled[`${n}/${c.name}`] = []);

  for (let r = 0; r < rounds; r++) {
    for (const n of ns) {
      for (const c of rotated(contenders, r)) {
        const s = await startServer(node.cmd, node.args(c.opt));
        await s.ask(`busy ${busyMs}`);
        const out = JSON.parse(await runLoad(bins.loadgen, ['burst', '127.0.0.1', s.port, n, timeoutMs]));
        await s.stop();
        const ok = out.times_us.filter((t) => t >= 0);
        const run = {
          failed: out.failed,
          delayed: ok.filter((t) => t > DELAYED_US).length,
          p50Ms: quantile(ok, 0.5) / 1000,
          p99Ms: quantile(ok, 0.99) / 1000,
          maxMs: Math.max(...ok) / 1000,
        };
        runs[`${n}/${c.name}`].push(run);
        pooled[`${n}/${c.name}`].push(...out.times_us);
        log(
          `burst   round ${r + 1}/${rounds}  N=${String(n).padEnd(5)} ${c.name.padEnd(22)} failed ${run.failed}, delayed ${run.delayed}, p50 ${run.p50Ms.toFixed(1)} ms, p99 ${run.p99Ms.toFixed(1)} ms, max ${run.maxMs.toFixed(0)} ms`,
        );
      }
    }
  }

  const result = { busyMs, rounds, effectiveBacklog: effective, requestedNs, ns, delayedUs: DELAYED_US, cases: [] };
  for (const n of ns) {
    for (const c of contenders) {
      const rs = runs[`${n}/${c.name}`];
      const all = pooled[`${n}/${c.name}`];
      result.cases.push({
        ...burstCase(n, c.name, rs),
        // The distribution of every round pooled, as 201 quantiles (0, 0.5 %,
        // …, 100 %) in µs, failed connects as -1: what the chart draws.
        cdfUs: cdf(all),
        runs: rs,
      });
    }
  }
  return result;
}

function cdf(times) {
  const failed = times.filter((t) => t < 0).length;
  const ok = times.filter((t) => t >= 0).sort((a, b) => a - b);
  const total = times.length;
  const points = [];
  for (let i = 0; i <= 200; i++) {
    const q = i / 200;
    // Failed connects count as infinitely slow: the curve stops below 100 %.
    const rank = Math.ceil(q * total) - 1;
    points.push(rank >= ok.length ? -1 : ok[Math.max(0, rank)]);
  }
  return { total, failed, points };
}
