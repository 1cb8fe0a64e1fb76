// Simultaneous A/B for a noisy machine (issue 13): every variant's server
// runs at the same time, all pinned to core 1, each driven by its own wrk
// on core 0 (bench/lib/proc.mjs pins them). Whatever else the machine runs
// then slows all of them alike, and a round's ratio is a ratio of speeds
// under the same conditions (two CPU-bound servers on one core get equal
// shares of it). The last variant
// is the base. An A/A pair (the same server twice) shows the method's own
// spread.
//
//   node pair.mjs ROUNDS SECONDS close|keep-alive CONNECTIONS name='{json}' ... base='{json}'
import { fileURLToPath } from 'node:url';
import { runLoad } from '../lib/proc.mjs';
import { described, parseVariants, q, startOnce, stopOnce } from './paired.mjs';

const server = fileURLToPath(new URL('./http-server.mjs', import.meta.url));
const [rounds, secs, mode, conns, ...vs] = process.argv.slice(2);
if (!vs.length || !['close', 'keep-alive'].includes(mode)) {
  console.error("usage: node pair.mjs ROUNDS SECONDS close|keep-alive CONNECTIONS name='{json}' ... base='{json}'");
  process.exit(2);
}
const variants = parseVariants(vs);
const start = (opt) => startOnce(server, opt);

function wrk(port) {
  const args = ['-t1', `-c${conns}`, `-d${secs}s`];
  if (mode === 'close') args.push('-H', 'Connection: close');
  args.push(`http://127.0.0.1:${port}/`);
  return runLoad('wrk', args);
}

const res = Object.fromEntries(variants.map((v) => [v.name, []]));
for (let r = 0; r < Number(rounds); r++) {
  const ss = await Promise.all(variants.map((v) => start(v.opt)));
  const a = await Promise.all(ss.map((s) => s.ask('stats')));
  const outs = await Promise.all(ss.map((s) => wrk(s.port)));
  const b = await Promise.all(ss.map((s) => s.ask('stats')));
  await Promise.all(ss.map(stopOnce));
  let line = `round ${r + 1}`;
  variants.forEach((v, i) => {
    const rps = Number(/Requests\/sec:\s*([\d.]+)/.exec(outs[i])[1]);
    const reqs = Number(/(\d+) requests in/.exec(outs[i])[1]);
    const errors = /Socket errors: (.*)/.exec(outs[i])?.[1] ?? '';
    const us = (b[i].user + b[i].sys - a[i].user - a[i].sys) / reqs;
    res[v.name].push({ rps, us, errors });
    line += `  ${v.name} ${rps.toFixed(0)} req/s ${us.toFixed(1)} µs/req${errors ? ` (socket errors: ${errors})` : ''}`;
  });
  console.log(line);
}
const base = variants[variants.length - 1].name;
for (const v of variants.slice(0, -1)) {
  const rr = res[v.name].map((x, i) => x.rps / res[base][i].rps);
  const ur = res[v.name].map((x, i) => x.us / res[base][i].us);
  console.log(
    `${v.name} / ${base}: req/s ${described(rr)}` +
      `, CPU/request ${q(ur, 0.5).toFixed(3)}× [IQR ${q(ur, 0.25).toFixed(3)}–${q(ur, 0.75).toFixed(3)}], ${rr.length} rounds`,
  );
}
