// Heap bytes and CPU per accepted connection of the bench's close-mode
// servers (bench/servers/node.mjs) at a given number of clients in
// `loadgen rate`'s closed loop: the figure the cost-growth scenario reports,
// for one level and with the contenders interleaved. Heap bytes do not move
// with the machine's load; CPU does. Run `npm run bench:quick` once first
// (it builds bench/.build/loadgen).
//
//   node bench/experiments/heap-per-conn.mjs ROUNDS CLIENTS SECONDS [accept|for-await|serve|net ...]
import { fileURLToPath } from 'node:url';
import { runLoad, startServer } from '../lib/proc.mjs';

const [rounds, clients, secs, ...names] = process.argv.slice(2);
const server = fileURLToPath(new URL('../servers/node.mjs', import.meta.url));
const loadgen = fileURLToPath(new URL('../.build/loadgen', import.meta.url));
const opts = {
  accept: { kind: 'lc', mode: 'close' },
  'for-await': { kind: 'lc', mode: 'close', idiom: 'for-await' },
  // serve(ln, server) into the same net.Server the net contender listens with.
  serve: { kind: 'lc', mode: 'close', idiom: 'serve' },
  net: { kind: 'net', mode: 'close' },
};
const list = names.length ? names : ['accept', 'for-await', 'net'];

const load = (port, s) => runLoad(loadgen, ['rate', '127.0.0.1', String(port), clients, String(s)]);

const res = Object.fromEntries(list.map((n) => [n, []]));
for (let i = 0; i < Number(rounds); i++) {
  for (const name of i % 2 ? [...list].reverse() : list) {
    const s = await startServer(process.execPath, [server, JSON.stringify(opts[name])]);
    await load(s.port, 1); // warm-up: the JIT's own allocations settle
    const a = await s.ask('stats');
    await load(s.port, Number(secs));
    const b = await s.ask('stats');
    await s.stop();
    const n = b.accepted - a.accepted;
    res[name].push({
      heap: (b.heap_alloc_bytes - a.heap_alloc_bytes) / n,
      cpu: (b.user_us + b.sys_us - a.user_us - a.sys_us) / n,
    });
  }
}
for (const [name, v] of Object.entries(res)) {
  console.log(
    `${name.padEnd(10)} heap B/conn ${v.map((x) => x.heap.toFixed(0)).join(' ')}   CPU µs/conn ${v.map((x) => x.cpu.toFixed(1)).join(' ')}`,
  );
}
