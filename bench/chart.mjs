// The burst chart: for each N, the distribution of connect times (a CDF,
// time on a log axis) of the three contenders, pooled over the rounds of
// one results file. Plain SVG, no dependencies.
//
//   node bench/chart.mjs [bench/results/latest.json] [docs/bench-burst.svg]
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const COLORS = ['#1b7837', '#c51b7d', '#2166ac'];
const W = 440;
const H = 250;
const M = { l: 52, r: 28, t: 30, b: 40 };
const X_MIN_US = 10; // 0.01 ms
const X_MAX_US = 10_000_000; // 10 s

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');
const fx = (us) =>
  M.l +
  ((Math.log10(Math.max(us, X_MIN_US)) - Math.log10(X_MIN_US)) / (Math.log10(X_MAX_US) - Math.log10(X_MIN_US))) *
    (W - M.l - M.r);
const fy = (q) => H - M.b - q * (H - M.t - M.b);

function panel(cases, n, ox, oy) {
  const out = [`<g transform="translate(${ox},${oy})">`];
  out.push(`<text x="${W / 2}" y="18" text-anchor="middle" font-weight="bold">N = ${n} simultaneous connects</text>`);
  for (const [us, label] of [
    [10, '0.01'],
    [100, '0.1'],
    [1000, '1'],
    [10_000, '10'],
    [100_000, '100'],
    [1_000_000, '1000'],
    [10_000_000, '10000'],
  ]) {
    out.push(`<line x1="${fx(us)}" y1="${M.t}" x2="${fx(us)}" y2="${H - M.b}" stroke="#ddd"/>`);
    out.push(`<text x="${fx(us)}" y="${H - M.b + 14}" text-anchor="middle" font-size="10">${label}</text>`);
  }
  for (const q of [0, 0.25, 0.5, 0.75, 1]) {
    out.push(`<line x1="${M.l}" y1="${fy(q)}" x2="${W - M.r}" y2="${fy(q)}" stroke="#ddd"/>`);
    out.push(`<text x="${M.l - 4}" y="${fy(q) + 3}" text-anchor="end" font-size="10">${q * 100}%</text>`);
  }
  // The first SYN retransmit comes after 1 s: anything right of it waited.
  out.push(
    `<line x1="${fx(900_000)}" y1="${M.t}" x2="${fx(900_000)}" y2="${H - M.b}" stroke="#999" stroke-dasharray="4 3"/>`,
  );
  out.push(
    `<text x="${fx(900_000) - 3}" y="${M.t + 10}" text-anchor="end" font-size="9" fill="#666">0.9 s: SYN retransmit</text>`,
  );
  out.push(
    `<text x="${(M.l + W - M.r) / 2}" y="${H - 8}" text-anchor="middle" font-size="11">connect time, ms (log scale)</text>`,
  );
  out.push(
    `<rect x="${M.l}" y="${M.t}" width="${W - M.l - M.r}" height="${H - M.t - M.b}" fill="none" stroke="#888"/>`,
  );
  cases.forEach((c, i) => {
    const pts = [];
    c.cdfUs.points.forEach((us, k) => {
      if (us >= 0) pts.push(`${fx(us).toFixed(1)},${fy(k / 200).toFixed(1)}`);
    });
    // Offset each curve by a pixel so identical curves stay visible.
    out.push(
      `<polyline transform="translate(0,${i - 1})" fill="none" stroke="${COLORS[i]}" stroke-width="2" points="${pts.join(' ')}"/>`,
    );
  });
  out.push('</g>');
  return out.join('\n');
}

export function burstChart(results) {
  const b = results.burst;
  const cols = 2;
  const rows = Math.ceil(b.ns.length / cols);
  const legendH = 60;
  const width = W * Math.min(cols, b.ns.length);
  const height = H * rows + legendH;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
  ];
  b.ns.forEach((n, i) => {
    const cases = b.cases.filter((c) => c.n === n);
    out.push(panel(cases, n, (i % cols) * W, Math.floor(i / cols) * H));
  });
  const names = b.cases.filter((c) => c.n === b.ns[0]).map((c) => c.contender);
  const ly = H * rows + 16;
  names.forEach((name, i) => {
    const x = 20 + i * 250;
    out.push(`<line x1="${x}" y1="${ly}" x2="${x + 24}" y2="${ly}" stroke="${COLORS[i]}" stroke-width="3"/>`);
    out.push(`<text x="${x + 30}" y="${ly + 4}">${esc(name)}</text>`);
  });
  const m = results.machine;
  out.push(
    `<text x="20" y="${ly + 22}" font-size="10" fill="#555">Fraction of clients connected vs time; server event loop busy ${b.busyMs} ms; ${b.rounds} rounds pooled.</text>`,
    `<text x="20" y="${ly + 36}" font-size="10" fill="#555">${esc(m.cpu)} (${m.cores} cores), Linux ${esc(m.kernel)}, Node ${esc(m.node)}; ${esc(String(results.date).slice(0, 10))}</text>`,
  );
  out.push('</svg>');
  return out.join('\n') + '\n';
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const src = process.argv[2] ?? path.join(here, 'results', 'latest.json');
  const dst = process.argv[3] ?? path.join(here, '..', 'docs', 'bench-burst.svg');
  writeFileSync(dst, burstChart(JSON.parse(readFileSync(src, 'utf8'))));
  console.log(`wrote ${dst}`);
}

// The cost-growth chart: for each server, CPU per connection at each level
// as a ratio to its own 32-client figure (median of the rounds, a bar per
// level), with the ±10% band of the goal.
export function growthChart(results) {
  const g = results.growth;
  const servers = Object.keys(g.contenders);
  const levels = g.levels;
  const width = 560;
  const height = 300;
  const m = { l: 52, r: 20, t: 34, b: 70 };
  const yMax = 3;
  const fy2 = (v) => height - m.b - (Math.min(v, yMax) / yMax) * (height - m.t - m.b);
  const groupW = (width - m.l - m.r) / levels.length;
  const barW = (groupW - 16) / servers.length;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="18" text-anchor="middle" font-weight="bold">CPU per connection, relative to 32 clients</text>`,
    `<rect x="${m.l}" y="${fy2(1.1)}" width="${width - m.l - m.r}" height="${fy2(0.9) - fy2(1.1)}" fill="#eee"/>`,
  ];
  for (const v of [0, 0.5, 1, 1.5, 2, 2.5, 3]) {
    out.push(`<line x1="${m.l}" y1="${fy2(v)}" x2="${width - m.r}" y2="${fy2(v)}" stroke="#ddd"/>`);
    out.push(`<text x="${m.l - 4}" y="${fy2(v) + 3}" text-anchor="end" font-size="10">${v.toFixed(1)}×</text>`);
  }
  levels.forEach((level, i) => {
    const x0 = m.l + i * groupW + 8;
    servers.forEach((s, j) => {
      const v = g.contenders[s][level].vs32.median;
      const y = fy2(v);
      out.push(
        `<rect x="${(x0 + j * barW).toFixed(1)}" y="${y.toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${(height - m.b - y).toFixed(1)}" fill="${COLORS[j % COLORS.length]}"/>`,
      );
      out.push(
        `<text x="${(x0 + j * barW + barW / 2).toFixed(1)}" y="${(y - 3).toFixed(1)}" text-anchor="middle" font-size="9">${Number.isFinite(v) ? v.toFixed(2) : '-'}</text>`,
      );
    });
    out.push(
      `<text x="${(x0 + (groupW - 16) / 2).toFixed(1)}" y="${height - m.b + 14}" text-anchor="middle" font-size="10">${esc(level)}</text>`,
    );
  });
  out.push(
    `<rect x="${m.l}" y="${m.t}" width="${width - m.l - m.r}" height="${height - m.t - m.b}" fill="none" stroke="#888"/>`,
  );
  const ly = height - m.b + 32;
  servers.forEach((s, j) => {
    const x = 20 + j * 200;
    out.push(`<rect x="${x}" y="${ly - 8}" width="14" height="10" fill="${COLORS[j % COLORS.length]}"/>`);
    out.push(`<text x="${x + 20}" y="${ly + 1}">${esc(s)}</text>`);
  });
  const mc = results.machine;
  out.push(
    `<text x="20" y="${ly + 18}" font-size="10" fill="#555">concurrent clients (connect/close loop); grey band: the goal, within 10% of 32 clients; ${g.rounds} rounds, median</text>`,
    `<text x="20" y="${ly + 31}" font-size="10" fill="#555">${esc(mc.cpu)} (${mc.cores} cores), Linux ${esc(mc.kernel)}, Node ${esc(mc.node)}; ${esc(String(results.date).slice(0, 10))}</text>`,
  );
  out.push('</svg>');
  return out.join('\n') + '\n';
}
