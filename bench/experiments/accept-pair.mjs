// The accept path measured as pair.mjs measures HTTP (issue 13): every
// variant's server (bench/servers/node.mjs, mode close) runs at the same
// time pinned to core 1, each driven by its own loadgen closed loop on
// core 0 (bench/lib/proc.mjs pins them), so load from outside slows them
// alike and a round's CPU ratio compares like with like. The last variant
// is the base. Needs taskset and
// bench/.build/loadgen (npm run bench:quick builds it).
//
//   node accept-pair.mjs ROUNDS SECONDS CLIENTS name='{json}' ... base='{json}'
//   e.g. loop='{"kind":"lc","mode":"close"}' 'await={"kind":"lc","mode":"close","idiom":"for-await"}' net='{"kind":"net","mode":"close"}'
import { fileURLToPath } from 'node:url';
import { runLoad } from '../lib/proc.mjs';
import { described, parseVariants, q, startOnce, stopOnce } from './paired.mjs';

const server = fileURLToPath(new URL('../servers/node.mjs', import.meta.url));
const loadgen = fileURLToPath(new URL('../.build/loadgen', import.meta.url));
const [rounds, secs, clients, ...vs] = process.argv.slice(2);
if (vs.length < 2) {
  console.error("usage: node accept-pair.mjs ROUNDS SECONDS CLIENTS name='{json}' ... base='{json}'");
  process.exit(2);
}
const variants = parseVariants(vs);
const start = (opt) => startOnce(server, opt);
const load = (port, s) => runLoad(loadgen, ['rate', '127.0.0.1', String(port), clients, String(s)]);

const res = Object.fromEntries(variants.map((v) => [v.name, []]));
for (let r = 0; r < Number(rounds); r++) {
  const ss = await Promise.all(variants.map((v) => start(v.opt)));
  await Promise.all(ss.map((s) => load(s.port, 0.3))); // warm-up
  const a = await Promise.all(ss.map((s) => s.ask('stats')));
  await Promise.all(ss.map((s) => load(s.port, Number(secs))));
  const b = await Promise.all(ss.map((s) => s.ask('stats')));
  await Promise.all(ss.map(stopOnce));
  let line = `round ${r + 1}`;
  variants.forEach((v, i) => {
    const n = b[i].accepted - a[i].accepted;
    const us = (b[i].user_us - a[i].user_us + (b[i].sys_us - a[i].sys_us)) / n;
    const heap = (b[i].heap_alloc_bytes - a[i].heap_alloc_bytes) / n;
    res[v.name].push({ n, us, heap });
    line += `  ${v.name} ${n} conn ${us.toFixed(1)} µs/conn ${heap.toFixed(0)} B/conn`;
  });
  console.log(line);
}
const base = variants[variants.length - 1].name;
for (const v of variants.slice(0, -1)) {
  const ur = res[v.name].map((x, i) => x.us / res[base][i].us);
  const hr = res[v.name].map((x, i) => x.heap / res[base][i].heap);
  console.log(
    `${v.name} / ${base}: CPU/conn ${described(ur)}` + `, heap/conn ${q(hr, 0.5).toFixed(3)}×, ${ur.length} rounds`,
  );
}
