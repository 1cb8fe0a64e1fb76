// 5. Cost growth: does the accept path cost more per connection as the
// work grows? The accept scenario's closed loop (connect, server closes)
// at 1, 32, 256 and 1024 concurrent clients, and at 32 with 10,000 idle
// connections held open by the server (a pull design must not pay per open
// connection: the poller watches the listening socket only, and the idle
// sockets cost a GC that walks a bigger heap at most). Each figure is the
// server's CPU per accepted connection, as a ratio to its own 32-client
// figure in the same round; the goal is within 10%.
import { ratio, rotated, summary } from '../lib/stats.mjs';
import { startHeld, startServer, runLoad } from '../lib/proc.mjs';

export async function growth(ctx) {
  const { bins, quick, node, log } = ctx;
  const rounds = ctx.rounds ?? (quick ? 1 : 3);
  const seconds = quick ? 0.3 : 2;
  const warmup = quick ? 0.1 : 0.3;
  const idle = quick ? 200 : 10_000;
  const levels = [
    { name: '1', clients: 1 },
    { name: '32', clients: 32 },
    { name: '256', clients: 256 },
    { name: '1024', clients: quick ? 256 : 1024 },
    { name: `32 + ${idle} idle`, clients: 32, idle },
  ];
  const contenders = [
    { name: 'listenconfig', cmd: node.cmd, args: (keep) => node.args({ kind: 'lc', mode: 'close', keep }) },
    { name: 'net.Server', cmd: node.cmd, args: (keep) => node.args({ kind: 'net', mode: 'close', keep }) },
  ];
  const runs = {};
  for (const c of contenders) for (const l of levels) runs[`${c.name}/${l.name}`] = [];

  for (let r = 0; r < rounds; r++) {
    for (const c of rotated(contenders, r)) {
      for (const l of levels) {
        const s = await startServer(c.cmd, c.args(l.idle ?? 0));
        let held;
        if (l.idle) {
          held = await startHeld(bins.loadgen, ['idle', '127.0.0.1', s.port, l.idle, 60_000]);
          // Every idle connection accepted and held before the clock starts
          // (or as many as were within 60 s: the run says how many).
          const end = performance.now() + 60_000;
          while ((await s.ask('stats')).kept < l.idle && performance.now() < end)
            await new Promise((res) => setTimeout(res, 50));
          const kept = (await s.ask('stats')).kept;
          if (kept < l.idle) log(`growth  ${c.name}: only ${kept} of ${l.idle} idle connections accepted within 60 s`);
        }
        await runLoad(bins.loadgen, ['rate', '127.0.0.1', s.port, l.clients, warmup]);
        const before = await s.ask('stats');
        await runLoad(bins.loadgen, ['rate', '127.0.0.1', s.port, l.clients, seconds]);
        const after = await s.ask('stats');
        await held?.stop();
        await s.stop();
        const accepted = after.accepted - before.accepted;
        const run = {
          cpuUsPerConn: (after.user_us - before.user_us + (after.sys_us - before.sys_us)) / accepted,
          heapBytesPerConn: (after.heap_alloc_bytes - before.heap_alloc_bytes) / accepted,
          connPerSec: accepted / seconds,
          accepted,
          idleHeld: before.kept,
        };
        runs[`${c.name}/${l.name}`].push(run);
        log(
          `growth  round ${r + 1}/${rounds}  ${c.name.padEnd(14)} ${l.name.padEnd(18)} ${run.cpuUsPerConn.toFixed(1).padStart(6)} µs CPU/conn ${run.heapBytesPerConn.toFixed(0).padStart(6)} heap B/conn`,
        );
      }
    }
  }

  const result = { seconds, rounds, idle, levels: levels.map((l) => l.name), contenders: {} };
  for (const c of contenders) {
    const base = runs[`${c.name}/32`];
    result.contenders[c.name] = Object.fromEntries(
      levels.map((l) => {
        const rs = runs[`${c.name}/${l.name}`];
        return [
          l.name,
          {
            clients: l.clients,
            idle: l.idle ?? 0,
            cpuUsPerConn: summary(rs.map((x) => x.cpuUsPerConn)),
            heapBytesPerConn: summary(rs.map((x) => x.heapBytesPerConn)),
            vs32: ratio(
              rs.map((x) => x.cpuUsPerConn),
              base.map((x) => x.cpuUsPerConn),
            ),
            runs: rs,
          },
        ];
      }),
    );
  }
  return result;
}
