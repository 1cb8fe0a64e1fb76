// 6. Bursts at scale: the origin scenario with N beyond the machine's
// somaxconn. In a network namespace of its own (root; bench/lib/netns.mjs)
// with net.core.somaxconn and tcp_max_syn_backlog at 65535, N = 5,000,
// 10,000 and 20,000 clients connect at once while the server's event loop
// is busy for 1 s. The default ListenConfig asks for maxListenerBacklog(),
// which reads the namespace's somaxconn; net.Server at its default (511)
// and at 4096 beside it. The C load generator holds every connection until
// all N have connected; where the hard descriptor limit is below N (20000
// here, and CAP_SYS_RESOURCE is missing to raise it) N is split across
// generator processes started together.
import { quantile, rotated } from '../lib/stats.mjs';
import { startServer, runLoad } from '../lib/proc.mjs';
import { netnsUnavailable, withNetns } from '../lib/netns.mjs';
import { DELAYED_US, burstCase } from './burst.mjs';

const PER_GENERATOR = 9000;

export async function burstScale(ctx) {
  const { bins, quick, node, log } = ctx;
  const why = netnsUnavailable();
  if (why) return { skipped: `bursts at scale need a network namespace (${why}); skipped` };
  const rounds = ctx.rounds ?? (quick ? 1 : 3);
  const busyMs = quick ? 300 : 1000;
  const timeoutMs = quick ? 5000 : 20_000;
  const ns = quick ? [500] : [5000, 10_000, 20_000];
  // The namespace's ephemeral ports too: at the default 32768–60999, 20,000
  // connects to one address use 71% of them, connect(2) slows down
  // searching for a free one, and a generator ran out of time before it
  // had even called connect() for ~12% of its clients.
  const sysctls = {
    'net.core.somaxconn': 65535,
    'net.ipv4.tcp_max_syn_backlog': 65535,
    'net.ipv4.ip_local_port_range': '1024 65535',
  };
  const contenders = [
    { name: 'listenconfig', opt: { kind: 'lc', mode: 'close' } },
    { name: 'net.Server', opt: { kind: 'net', mode: 'close' } },
    { name: 'net.Server backlog 4096', opt: { kind: 'net', mode: 'close', backlog: 4096 } },
  ];
  return withNetns(sysctls, async (netns) => {
    const runs = {};
    for (const n of ns) for (const c of contenders) runs[`${n}/${c.name}`] = [];
    let effective;
    for (let r = 0; r < rounds; r++) {
      for (const n of ns) {
        for (const c of rotated(contenders, r)) {
          const s = await startServer(node.cmd, node.args(c.opt), { netns });
          if (c.opt.kind === 'lc') effective = s.hello.backlog.effective;
          await s.ask(`busy ${busyMs}`);
          const gens = Math.ceil(n / PER_GENERATOR);
          const outs = await Promise.all(
            Array.from({ length: gens }, (_, i) => {
              const k = Math.floor(n / gens) + (i < n % gens ? 1 : 0);
              return runLoad(bins.loadgen, ['burst', '127.0.0.1', s.port, k, timeoutMs], {
                netns,
                timeoutMs: timeoutMs + 30_000,
              });
            }),
          );
          await s.stop();
          const parsed = outs.map((o) => JSON.parse(o));
          const ok = parsed.flatMap((o) => o.times_us).filter((t) => t >= 0);
          const run = {
            generators: gens,
            failed: parsed.reduce((a, o) => a + o.failed, 0),
            // Why: refused or reset, or no handshake within the timeout.
            errors: parsed.reduce((a, o) => a + o.errors, 0),
            connectTimeouts: parsed.reduce((a, o) => a + o.connect_timeouts, 0),
            notStarted: parsed.reduce((a, o) => a + (o.not_started ?? 0), 0),
            delayed: ok.filter((t) => t > DELAYED_US).length,
            p50Ms: quantile(ok, 0.5) / 1000,
            p99Ms: quantile(ok, 0.99) / 1000,
            maxMs: Math.max(...ok) / 1000,
          };
          runs[`${n}/${c.name}`].push(run);
          log(
            `burst@scale round ${r + 1}/${rounds}  N=${String(n).padEnd(6)} ${c.name.padEnd(24)} failed ${run.failed} (${run.errors} errors, ${run.connectTimeouts} timeouts, ${run.notStarted} not started), delayed ${run.delayed}, p50 ${run.p50Ms.toFixed(1)} ms, p99 ${run.p99Ms.toFixed(1)} ms, max ${run.maxMs.toFixed(0)} ms`,
          );
        }
      }
    }
    const result = { busyMs, rounds, sysctls, effectiveBacklog: effective, ns, delayedUs: DELAYED_US, cases: [] };
    for (const n of ns) {
      for (const c of contenders) {
        const rs = runs[`${n}/${c.name}`];
        result.cases.push({ ...burstCase(n, c.name, rs), runs: rs });
      }
    }
    return result;
  });
}
