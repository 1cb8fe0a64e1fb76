// What `listenconfig burst` reports: the outcome counts, connect-time
// percentiles and a log-scale histogram, as a JSON document or as text
// drawn for the terminal.
import type { Burst } from './burst-engine';

/**
 * A connect that took this long waited for a SYN retransmit: Linux (and
 * macOS) send the first one 1 s after a SYN that got no answer, which on a
 * listening socket means its accept queue was full and the SYN was dropped.
 */
export const DELAYED_MS = 900;

export interface Bucket {
  label: string;
  fromMs: number;
  /** Exclusive; null for the last bucket. */
  toMs: number | null;
  count: number;
}

// 0.9 s splits "answered at once" from "waited for one retransmit" (1 s),
// 3 s from "waited for two or more" (the second comes 3 s after the SYN).
const EDGES: Array<[label: string, fromMs: number, toMs: number | null]> = [
  ['<1ms', 0, 1],
  ['1-10ms', 1, 10],
  ['10-100ms', 10, 100],
  ['100-900ms', 100, DELAYED_MS],
  ['0.9-3s', DELAYED_MS, 3000],
  ['>=3s', 3000, null],
];

export interface Percentiles {
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface Summary {
  counts: { completed: number; refused: number; timedOut: number; errors: number; delayed: number };
  /** Failed connects by error code: ECONNREFUSED, EADDRNOTAVAIL… */
  codes: Record<string, number>;
  /** Over completed connects only; null when none completed. */
  connectMs: Percentiles | null;
  histogram: Bucket[];
  elapsedMs: number;
  /** Connects that got an outcome, per second of elapsed time. */
  rate: number;
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** The nearest-rank percentile p (0..100] of sorted values. */
function rank(sorted: Float64Array, p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

export function summarize(b: Burst): Summary {
  const times = new Float64Array(b.completed);
  let k = 0;
  for (const t of b.connectMs) if (!Number.isNaN(t)) times[k++] = t;
  times.sort();
  const histogram = EDGES.map(([label, fromMs, toMs]) => ({ label, fromMs, toMs, count: 0 }));
  let delayed = 0;
  for (const t of times) {
    if (t >= DELAYED_MS) delayed++;
    let j = 0;
    while (histogram[j].toMs !== null && t >= histogram[j].toMs!) j++;
    histogram[j].count++;
  }
  const connectMs =
    times.length === 0
      ? null
      : {
          min: round3(times[0]),
          p50: round3(rank(times, 50)),
          p90: round3(rank(times, 90)),
          p99: round3(rank(times, 99)),
          max: round3(times[times.length - 1]),
        };
  const elapsedMs = b.elapsedMs;
  return {
    counts: { completed: b.completed, refused: b.refused, timedOut: b.timedOut, errors: b.errors, delayed },
    codes: Object.fromEntries([...b.codes].sort((x, y) => y[1] - x[1])),
    connectMs,
    histogram,
    elapsedMs: round3(elapsedMs),
    rate: elapsedMs > 0 ? Math.round((b.finished / elapsedMs) * 1000) : 0,
  };
}

/** A duration for people: 0.42 ms, 12.3 ms, 870 ms, 1.04 s. */
export function formatMs(ms: number): string {
  if (ms >= 1000) return `${Number.isInteger(ms / 1000) ? ms / 1000 : (ms / 1000).toFixed(ms >= 10_000 ? 1 : 2)} s`;
  return `${ms.toFixed(ms < 10 ? 2 : ms < 100 ? 1 : 0)} ms`;
}

export interface TextOptions {
  /** The target as given, and the address it resolved to. */
  target: string;
  address: string;
  n: number;
  concurrency: number;
  timeoutMs: number;
  /** Columns to draw in. */
  width: number;
  /** Draw bars with Unicode blocks (a terminal) or '#' (a log). */
  unicode: boolean;
}

// Eighths of a block, for bars that end between two columns.
const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

function bar(cells: number, unicode: boolean): string {
  if (!unicode) return '#'.repeat(Math.round(cells));
  const whole = Math.floor(cells);
  return '█'.repeat(whole) + EIGHTHS[Math.round((cells - whole) * 8) % 8];
}

/** The report as lines of text, none wider than `o.width` where it can help it. */
export function renderText(s: Summary, o: TextOptions): string {
  const { counts: c } = s;
  const shown = o.address === o.target ? o.target : `${o.target} (${o.address})`;
  const lines = [
    `burst ${shown}: ${o.n} connections, at most ${o.concurrency} connecting at once, timeout ${formatMs(o.timeoutMs)}`,
  ];
  const num = (x: number) => String(x).padStart(String(o.n).length);
  const codes = (keep: (code: string) => boolean) =>
    Object.entries(s.codes)
      .filter(([code]) => keep(code))
      .map(([code, k]) => `${code} ${k}`)
      .join(', ');
  const refusedCodes = codes((x) => x === 'ECONNREFUSED' || x === 'ECONNRESET');
  const otherCodes = codes((x) => x !== 'ECONNREFUSED' && x !== 'ECONNRESET');
  lines.push(
    `  completed     ${num(c.completed)}`,
    `  delayed       ${num(c.delayed)}${c.delayed > 0 ? '  (>= 0.9 s: a SYN retransmit, the accept queue was full)' : ''}`,
    `  refused       ${num(c.refused)}${refusedCodes && `  (${refusedCodes})`}`,
    `  timed out     ${num(c.timedOut)}`,
    `  other errors  ${num(c.errors)}${otherCodes && `  (${otherCodes})`}`,
  );
  if (s.connectMs) {
    const p = s.connectMs;
    lines.push(
      `connect time: p50 ${formatMs(p.p50)}, p90 ${formatMs(p.p90)}, p99 ${formatMs(p.p99)}, max ${formatMs(p.max)}`,
    );
    const labelWidth = Math.max(...s.histogram.map((h) => h.label.length));
    const countWidth = String(Math.max(...s.histogram.map((h) => h.count))).length;
    const room = Math.max(10, o.width - (2 + labelWidth + 2 + countWidth + 2) - 1);
    const most = Math.max(...s.histogram.map((h) => h.count));
    for (const h of s.histogram) {
      // A bucket with any connection shows at least a sliver.
      const cells = h.count === 0 ? 0 : Math.max(o.unicode ? 1 / 8 : 1, (h.count / most) * room);
      lines.push(
        `  ${h.label.padStart(labelWidth)}  ${String(h.count).padStart(countWidth)}  ${bar(cells, o.unicode)}`.trimEnd(),
      );
    }
  } else {
    lines.push('connect time: no connect completed');
  }
  lines.push(`${o.n} connects in ${formatMs(s.elapsedMs)}: ${s.rate} per second`);
  if (s.codes.EADDRNOTAVAIL)
    lines.push('EADDRNOTAVAIL: no ephemeral port was left (net.ipv4.ip_local_port_range); lower -n');
  if (s.codes.EMFILE || s.codes.ENFILE)
    lines.push('EMFILE: out of descriptors; raise the limit (ulimit -n) or lower -n');
  return lines.join('\n');
}
