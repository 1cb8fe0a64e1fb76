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
import { runLoad, startServer } from '../lib/proc.mjs';

const server = fileURLToPath(new URL('./http-server.mjs', import.meta.url));
const [rounds, secs, mode, conns, ...vs] = process.argv.slice(2);
if (!vs.length || !['close', 'keep-alive'].includes(mode)) {
  console.error("usage: node pair.mjs ROUNDS SECONDS close|keep-alive CONNECTIONS name='{json}' ... base='{json}'");
  process.exit(2);
}
const variants = vs.map((v) => ({ name: v.slice(0, v.indexOf('=')), opt: v.slice(v.indexOf('=') + 1) }));

// A failing run must not leave servers behind.
const started = new Set();
process.on('exit', () => {
  for (const s of started) s.kill();
});
async function start(opt) {
  const s = await startServer(process.execPath, [server, opt]);
  started.add(s);
  return s;
}

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
  await Promise.all(ss.map((s) => s.stop().then(() => started.delete(s))));
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
const q = (a, p) => [...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(p * a.length))];
// A 95% interval of the median: 2000 resamples of the rounds (seeded, so a
// rerun on the same rounds prints the same interval).
let seed = 1;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const ci = (a) => {
  const m = Array.from({ length: 2000 }, () => q(a.map(() => a[Math.floor(rand() * a.length)]), 0.5));
  return `${q(m, 0.025).toFixed(3)}–${q(m, 0.975).toFixed(3)}`;
};
const base = variants[variants.length - 1].name;
for (const v of variants.slice(0, -1)) {
  const rr = res[v.name].map((x, i) => x.rps / res[base][i].rps);
  const ur = res[v.name].map((x, i) => x.us / res[base][i].us);
  console.log(
    `${v.name} / ${base}: req/s ${q(rr, 0.5).toFixed(3)}× [IQR ${q(rr, 0.25).toFixed(3)}–${q(rr, 0.75).toFixed(3)}, range ${q(rr, 0).toFixed(3)}–${q(rr, 1).toFixed(3)}, 95% CI of the median ${ci(rr)}]` +
      `, CPU/request ${q(ur, 0.5).toFixed(3)}× [IQR ${q(ur, 0.25).toFixed(3)}–${q(ur, 0.75).toFixed(3)}], ${rr.length} rounds`,
  );
}
