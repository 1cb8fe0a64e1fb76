// 7. Across cores: n = the machine's cores accepting on one port, 256
// clients in a closed loop (connect, server closes). ListenConfig in n
// worker threads and in n cluster workers, each with its own SO_REUSEPORT
// listener (examples/reuseport-workers.mjs), against Node's cluster
// (round-robin through the primary) and Go's n-listener server. Neither
// side is pinned: the server gets every core and the load generator
// competes with it, so on a small machine this says little; the figure
// that matters is measured where there are 8 or more cores (the core count
// is printed with the table).
import * as os from 'node:os';
import * as path from 'node:path';
import { ratio, rotated, summary } from '../lib/stats.mjs';
import { startServer, runLoad } from '../lib/proc.mjs';
import { benchDir } from '../lib/build.mjs';

export async function cores(ctx) {
  const { bins, quick, node, log } = ctx;
  const n = os.cpus().length;
  const rounds = ctx.rounds ?? (quick ? 1 : 5);
  const seconds = quick ? 0.3 : 2;
  const warmup = quick ? 0.1 : 0.3;
  const clients = 256;
  const script = path.join(benchDir, 'servers', 'workers.mjs');
  const w = (shape) => ({ cmd: node.cmd, args: [script, JSON.stringify({ shape, n })] });
  const contenders = [
    { name: `listenconfig, ${n} worker threads`, ...w('threads') },
    { name: `listenconfig, ${n} cluster workers`, ...w('cluster-reuseport') },
    { name: `Node cluster, ${n} workers`, ...w('cluster') },
  ];
  if (bins.goServer) contenders.push({ name: `Go, ${n} listeners`, cmd: bins.goServer, args: [String(n)] });
  const runs = Object.fromEntries(contenders.map((c) => [c.name, []]));
  for (let r = 0; r < rounds; r++) {
    for (const c of rotated(contenders, r)) {
      const s = await startServer(c.cmd, c.args, { unpinned: true });
      await runLoad(bins.loadgen, ['rate', '127.0.0.1', s.port, clients, warmup], { unpinned: true });
      const before = await s.ask('stats');
      const out = JSON.parse(
        await runLoad(bins.loadgen, ['rate', '127.0.0.1', s.port, clients, seconds], { unpinned: true }),
      );
      const after = await s.ask('stats');
      await s.stop();
      const accepted = after.accepted - before.accepted;
      const run = {
        connPerSec: out.connections / out.seconds,
        cpuUsPerConn: (after.user_us - before.user_us + (after.sys_us - before.sys_us)) / accepted,
        accepted,
        errors: out.errors,
      };
      runs[c.name].push(run);
      log(
        `cores   round ${r + 1}/${rounds}  ${c.name.padEnd(34)} ${run.connPerSec.toFixed(0).padStart(6)} conn/s  ${run.cpuUsPerConn.toFixed(1).padStart(6)} µs CPU/conn`,
      );
    }
  }
  const col = (name, k) => runs[name].map((x) => x[k]);
  const result = { cores: n, clients, seconds, rounds, contenders: {}, ratios: {} };
  for (const c of contenders) {
    result.contenders[c.name] = {
      connPerSec: summary(col(c.name, 'connPerSec')),
      cpuUsPerConn: summary(col(c.name, 'cpuUsPerConn')),
      runs: runs[c.name],
    };
  }
  const base = contenders[2].name;
  for (const c of [contenders[0], contenders[1]]) {
    result.ratios[`${c.name} / ${base}`] = { connPerSec: ratio(col(c.name, 'connPerSec'), col(base, 'connPerSec')) };
  }
  if (bins.goServer) {
    result.ratios[`${contenders[0].name} / ${contenders[3].name}`] = {
      connPerSec: ratio(col(contenders[0].name, 'connPerSec'), col(contenders[3].name, 'connPerSec')),
    };
  }
  return result;
}
