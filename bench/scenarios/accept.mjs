// 1. The accept path: connections accepted per second and server CPU time
// (user + sys of the whole server process) per accepted connection. The
// load generator runs 32 clients in a closed loop (connect, wait for the
// server's close, reset), so the rate is what the server sustains.
import { rotated, summary, ratio } from '../lib/stats.mjs';
import { startServer, runLoad } from '../lib/proc.mjs';

export async function acceptPath(ctx) {
  const { bins, quick, node, log } = ctx;
  const rounds = ctx.rounds ?? (quick ? 1 : 5);
  const seconds = quick ? 0.3 : 2;
  const warmup = quick ? 0.1 : 0.3;
  const clients = 32;
  const contenders = [
    { name: 'listenconfig', cmd: node.cmd, args: node.args({ kind: 'lc', mode: 'close' }) },
    // Multipath TCP off: the default listener above is an MPTCP socket
    // where the kernel offers one (Go 1.24+); docs/go-compat.md.
    {
      name: 'listenconfig plain TCP',
      cmd: node.cmd,
      args: node.args({ kind: 'lc', mode: 'close', lcOpts: { multipathTCP: false } }),
    },
    // The README's idiom: for await over the listener, with Go's retry.
    {
      name: 'listenconfig for await',
      cmd: node.cmd,
      args: node.args({ kind: 'lc', mode: 'close', idiom: 'for-await' }),
    },
    // The public adoption, new net.Socket({ fd }): what a Node without
    // tcp_wrap, or one run with --pending-deprecation, gets (lib/adopt.ts).
    {
      name: 'listenconfig { fd }',
      cmd: node.cmd,
      args: ['--pending-deprecation', ...node.args({ kind: 'lc', mode: 'close' })],
    },
    { name: 'net.Server', cmd: node.cmd, args: node.args({ kind: 'net', mode: 'close' }) },
    // Go's defaults set through net.Server's own options: like for like.
    { name: 'net.Server+ka+nodelay', cmd: node.cmd, args: node.args({ kind: 'net', mode: 'close', netOpts: true }) },
    { name: 'C epoll', cmd: bins.epollServer, args: [] },
  ];
  if (bins.goServer) contenders.push({ name: 'Go', cmd: bins.goServer, args: [] });
  const runs = Object.fromEntries(contenders.map((c) => [c.name, []]));

  for (let r = 0; r < rounds; r++) {
    for (const c of rotated(contenders, r)) {
      const s = await startServer(c.cmd, c.args);
      // JIT and socket caches warm up before the counters are read.
      await runLoad(bins.loadgen, ['rate', '127.0.0.1', s.port, clients, warmup]);
      const before = await s.ask('stats');
      const out = JSON.parse(await runLoad(bins.loadgen, ['rate', '127.0.0.1', s.port, clients, seconds]));
      const after = await s.ask('stats');
      await s.stop();
      const accepted = after.accepted - before.accepted;
      const cpu = after.user_us - before.user_us + (after.sys_us - before.sys_us);
      const run = {
        connPerSec: out.connections / out.seconds,
        cpuUsPerConn: cpu / accepted,
        // Node contenders only: JavaScript heap bytes allocated per
        // connection, which the machine's load does not change.
        heapBytesPerConn:
          after.heap_alloc_bytes == null ? null : (after.heap_alloc_bytes - before.heap_alloc_bytes) / accepted,
        accepted,
        errors: out.errors,
      };
      runs[c.name].push(run);
      const heap = run.heapBytesPerConn == null ? '' : `  ${run.heapBytesPerConn.toFixed(0).padStart(5)} heap B/conn`;
      log(
        `accept  round ${r + 1}/${rounds}  ${c.name.padEnd(24)} ${run.connPerSec.toFixed(0).padStart(6)} conn/s  ${run.cpuUsPerConn.toFixed(1).padStart(5)} µs CPU/conn${heap}`,
      );
    }
  }

  const col = (name, key) => runs[name].map((x) => x[key]);
  const result = { clients, seconds, rounds, contenders: {}, ratios: {} };
  for (const c of contenders) {
    result.contenders[c.name] = {
      connPerSec: summary(col(c.name, 'connPerSec')),
      cpuUsPerConn: summary(col(c.name, 'cpuUsPerConn')),
      heapBytesPerConn: summary(col(c.name, 'heapBytesPerConn').filter((x) => x != null)),
      runs: runs[c.name],
    };
  }
  for (const [lc, base] of [
    ['listenconfig', 'net.Server'],
    ['listenconfig for await', 'net.Server'],
    ['listenconfig for await', 'listenconfig'],
    ['listenconfig', 'net.Server+ka+nodelay'],
    ['listenconfig { fd }', 'net.Server'],
    ['listenconfig', 'listenconfig { fd }'],
    ['listenconfig plain TCP', 'net.Server'],
    ['listenconfig', 'listenconfig plain TCP'],
  ]) {
    result.ratios[`${lc} / ${base}`] = {
      connPerSec: ratio(col(lc, 'connPerSec'), col(base, 'connPerSec')),
      cpuUsPerConn: ratio(col(lc, 'cpuUsPerConn'), col(base, 'cpuUsPerConn')),
      heapBytesPerConn: ratio(col(lc, 'heapBytesPerConn'), col(base, 'heapBytesPerConn')),
    };
  }
  return result;
}
