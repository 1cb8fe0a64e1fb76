// What the paired experiments (pair.mjs, accept-pair.mjs) share: their
// variants, servers that a failing run does not leave behind, and the
// statistics, per-round ratios summarised as median [IQR, range, 95%
// interval of the median]. The rank is floor(p·n), as the figures in the
// README were computed.
import { startServer } from '../lib/proc.mjs';

/** `name='{json}'` arguments: [{ name, opt }]; the last is the base. */
export const parseVariants = (args) =>
  args.map((v) => ({ name: v.slice(0, v.indexOf('=')), opt: v.slice(v.indexOf('=') + 1) }));

const started = new Set();
process.on('exit', () => {
  for (const s of started) s.kill();
});

/** A bench server (script, its JSON option) killed if this process exits first. */
export async function startOnce(script, opt) {
  const s = await startServer(process.execPath, [script, opt]);
  started.add(s);
  return s;
}

export async function stopOnce(s) {
  await s.stop();
  started.delete(s);
}
export const q = (a, p) => [...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(p * a.length))];

// A 95% interval of the median: 2000 resamples of the rounds (seeded, so a
// rerun on the same rounds prints the same interval).
let seed = 1;
const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
export const ci = (a) => {
  const m = Array.from({ length: 2000 }, () =>
    q(
      a.map(() => a[Math.floor(rand() * a.length)]),
      0.5,
    ),
  );
  return `${q(m, 0.025).toFixed(3)}–${q(m, 0.975).toFixed(3)}`;
};

/** `1.004× [IQR 0.989–1.019, range …, 95% CI of the median …]` */
export const described = (r) =>
  `${q(r, 0.5).toFixed(3)}× [IQR ${q(r, 0.25).toFixed(3)}–${q(r, 0.75).toFixed(3)}, range ${q(r, 0).toFixed(3)}–${q(r, 1).toFixed(3)}, 95% CI of the median ${ci(r)}]`;
