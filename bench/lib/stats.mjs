// Summaries of repeated measurements. The machines are shared and noisy, so
// every figure is reported as the median of its rounds with the spread
// (min–max) beside it, and every comparison as the median of per-round
// ratios: the two contenders of a round ran seconds apart, under the same
// neighbours.

/** The q-quantile (0..1) of a numeric array, by nearest rank. */
export function quantile(values, q) {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1));
  return s[i];
}

/** { median, min, max, n } of the values. */
export function summary(values) {
  const v = values.filter((x) => Number.isFinite(x));
  return {
    median: quantile(v, 0.5),
    min: v.length ? Math.min(...v) : NaN,
    max: v.length ? Math.max(...v) : NaN,
    n: v.length,
  };
}

/** Per-round ratios a[i] / b[i], summarised. */
export function ratio(a, b) {
  return summary(a.map((x, i) => x / b[i]));
}

/** Rotates the contenders each round so none always runs first or last. */
export function rotated(list, round) {
  const k = round % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}
