// The listenconfig benchmarks (issue 4). Every figure is a ratio against a
// comparator measured in the same run, with the contenders interleaved and
// repeated, because the machines are shared and noisy.
//
//   npm run bench          every scenario, 3 to 5 rounds each
//   npm run bench:quick    one short round of each: proves the harness
//                          works (CI smoke check); asserts nothing on speed
//   node bench/run.mjs [--quick] [--only accept,burst,overload,http,growth,burst-scale,cores,relay,upgrade] [--rounds N]
//
// Writes bench/results/latest.json (and a dated copy), docs/bench-burst.svg and
// docs/bench-growth.svg; --quick writes bench/results/quick.json and the charts
// to bench/.build/;
// --only writes bench/results/partial.json.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { build, benchDir, buildDir, repoDir } from './lib/build.mjs';
import { pinning } from './lib/proc.mjs';
import { acceptPath } from './scenarios/accept.mjs';
import { burst } from './scenarios/burst.mjs';
import { overload } from './scenarios/overload.mjs';
import { httpBench } from './scenarios/http.mjs';
import { growth } from './scenarios/growth.mjs';
import { burstScale } from './scenarios/burst-scale.mjs';
import { cores } from './scenarios/cores.mjs';
import { relay } from './scenarios/relay.mjs';
import { upgrade } from './scenarios/upgrade.mjs';
import { burstChart, growthChart } from './chart.mjs';
import { printTable } from './lib/table.mjs';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const onlyArg = argv.find((a) => a.startsWith('--only'));
const only = onlyArg ? (onlyArg.split('=')[1] ?? argv[argv.indexOf(onlyArg) + 1]).split(',') : undefined;
const want = (name) => only === undefined || only.includes(name);
const roundsArg = argv.find((a) => a.startsWith('--rounds'));
const rounds = roundsArg ? Number(roundsArg.split('=')[1] ?? argv[argv.indexOf(roundsArg) + 1]) : undefined;
if (rounds !== undefined && !(Number.isInteger(rounds) && rounds >= 1))
  throw new Error('bench: --rounds takes an integer >= 1');

const t0 = performance.now();
const bins = build();
if (bins.goSkipped) console.log(`bench: ${bins.goSkipped}`);
if (!pinning) console.log('bench: taskset unavailable or one core: server and load generator are not pinned');

const serverScript = path.join(benchDir, 'servers', 'node.mjs');
const ctx = {
  bins,
  quick,
  rounds,
  node: { cmd: process.execPath, args: (opt) => [serverScript, JSON.stringify(opt)] },
  log: (line) => console.log(`  ${line}`),
};

const read = (f) => {
  try {
    return readFileSync(f, 'utf8').trim();
  } catch {
    return undefined;
  }
};
const results = {
  date: new Date().toISOString(),
  quick,
  command: quick ? 'npm run bench:quick' : 'npm run bench',
  machine: {
    cpu: os.cpus()[0]?.model.trim(),
    cores: os.cpus().length,
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: os.release(),
    node: process.version,
    somaxconn: Number(read('/proc/sys/net/core/somaxconn')),
    pinning: pinning ?? null,
    ...bins.versions,
    listenconfig: JSON.parse(readFileSync(path.join(repoDir, 'package.json'), 'utf8')).version,
  },
  skipped: {},
};
if (bins.goSkipped) results.skipped.go = bins.goSkipped;

for (const [name, fn] of [
  ['accept', acceptPath],
  ['burst', burst],
  ['overload', overload],
  ['http', httpBench],
  ['growth', growth],
  ['burst-scale', burstScale],
  ['cores', cores],
  ['relay', relay],
  ['upgrade', upgrade],
]) {
  if (!want(name)) continue;
  console.log(`bench: ${name}`);
  results[name] = await fn(ctx);
  if (results[name].skipped) {
    console.log(`bench: ${results[name].skipped}`);
    results.skipped[name] = results[name].skipped;
  }
}
results.seconds = Math.round((performance.now() - t0) / 1000);

const resultsDir = path.join(benchDir, 'results');
mkdirSync(resultsDir, { recursive: true });
const json = JSON.stringify(results, null, 1) + '\n';
// Quick and partial (--only) runs never replace the published results.
const scratch = quick ? 'quick.json' : only !== undefined || rounds !== undefined ? 'partial.json' : undefined;
if (scratch !== undefined) {
  writeFileSync(path.join(resultsDir, scratch), json);
} else {
  writeFileSync(path.join(resultsDir, 'latest.json'), json);
  writeFileSync(path.join(resultsDir, `bench-${results.date.replace(/[:.]/g, '-')}.json`), json);
}
if (results.burst) {
  const svg =
    scratch !== undefined
      ? path.join(buildDir, 'bench-burst-quick.svg')
      : path.join(repoDir, 'docs', 'bench-burst.svg');
  mkdirSync(path.dirname(svg), { recursive: true });
  writeFileSync(svg, burstChart(results));
  console.log(`bench: chart ${path.relative(repoDir, svg)}`);
}
if (results.growth) {
  const svg =
    scratch !== undefined
      ? path.join(buildDir, 'bench-growth-quick.svg')
      : path.join(repoDir, 'docs', 'bench-growth.svg');
  mkdirSync(path.dirname(svg), { recursive: true });
  writeFileSync(svg, growthChart(results));
  console.log(`bench: chart ${path.relative(repoDir, svg)}`);
}
console.log(
  `bench: results ${path.relative(repoDir, path.join(resultsDir, scratch ?? 'latest.json'))}, ${results.seconds} s`,
);
printTable(results);
