#!/usr/bin/env node
// The numbers of the docs that come from a measurement or from the code,
// written between markers so that nobody types them:
//
//   <!-- generated:NAME -->
//   …written by this script…
//   <!-- /generated:NAME -->
//
// The benchmark tables of docs/benchmarks.md, the sentences there that give
// the committed run's ratios and whether it met each target, and the burst figures of
// README.md come from the committed bench/results/latest.json; the count of behaviours in docs/cli.md from
// `listenconfig conformance --list` (the shipped spec files, this OS).
//
//   node scripts/doc-tables.mjs --write    rewrite them (npm run docs does)
//   node scripts/doc-tables.mjs            check: exit 1 and name each block that differs
//
// test/docs.test.mjs runs the check. After `npm run bench`, or after adding
// a spec, run `npm run docs` and commit what it wrote.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { relayTotals } from '../bench/lib/table.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const results = () => JSON.parse(fs.readFileSync(path.join(root, 'bench', 'results', 'latest.json'), 'utf8'));

// 12937 -> "12 937", as the tables have always written thousands.
const grouped = (x) => String(Math.round(x)).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
const fixed = (x, d) => x.toFixed(d);
const spread = (s, f) => `${f(s.median)} [${f(s.min)}–${f(s.max)}]`;
const times = (s) => `${fixed(s.median, 2)}× [${fixed(s.min, 2)}–${fixed(s.max, 2)}]`;
// Milliseconds: one decimal below 100, whole above.
const ms = (x) => (x < 100 ? fixed(x, 1) : String(Math.round(x)));
const table = (head, rows) =>
  [
    `| ${head.join(' | ')} |`,
    `| ${head.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');

const burstNames = {
  listenconfig: '**ListenConfig default**',
  'net.Server': 'net.Server default (511)',
  'net.Server backlog 4096': 'net.Server, backlog 4096',
};

function burstTable(b, skipN = []) {
  const rows = b.cases
    .filter((c) => !skipN.includes(c.n))
    .map((c) => {
      const ours = c.contender === 'listenconfig';
      const delayed = String(c.delayed.median);
      return [
        String(c.n),
        burstNames[c.contender] ?? c.contender,
        String(c.failed.median),
        ours ? `**${delayed}**` : delayed,
        ms(c.p50Ms.median),
        ms(c.p99Ms.median),
        // The worst connect of all rounds.
        String(Math.round(c.maxMs.max)),
      ];
    });
  return table(['N', 'server', 'failed', 'delayed > 0.9 s', 'p50 ms', 'p99 ms', 'max ms'], rows);
}

const acceptNames = {
  listenconfig: "ListenConfig `accept()` loop (keep-alive + `TCP_NODELAY`, Go's defaults)",
  'listenconfig for await': 'ListenConfig `for await`',
  'listenconfig { fd }': 'ListenConfig, public `{ fd }` adoption (`--pending-deprecation`)',
  'net.Server': 'net.Server (defaults: neither option)',
  'net.Server+ka+nodelay': 'net.Server `{ keepAlive, noDelay }`',
  Go: 'Go accept loop',
  'C epoll': "C epoll loop (the machine's limit)",
};
const acceptOrder = Object.keys(acceptNames);

const ratioNames = {
  'listenconfig / net.Server': 'ListenConfig / net.Server',
  'listenconfig for await / net.Server': 'ListenConfig `for await` / net.Server',
  'listenconfig / net.Server+ka+nodelay': 'ListenConfig / net.Server with the same options',
  'listenconfig { fd } / net.Server': 'ListenConfig `{ fd }` / net.Server',
};

// The sentences of docs/benchmarks.md that state a target and whether the
// committed run met it, with the thresholds bench/lib/table.mjs prints.
const verdict = (ok) => (ok ? 'met' : '**not met**');
const x2 = (s) => `${fixed(s.median, 2)}×`;
const runOf = (r) => `In the committed run (${r.date.slice(0, 10)})`;

function burstVerdict(b, upTo) {
  const lc = b.cases.filter((c) => c.contender === 'listenconfig');
  const ok = lc.every((c) => c.failed.max === 0 && c.delayed.max === 0);
  const worst = (name) => {
    const cs = b.cases.filter((c) => c.contender === name);
    return cs.length ? Math.max(...cs.map((c) => c.delayed.max)) : 0;
  };
  return (
    `Target: with its default configuration, no failed and no delayed connect ${upTo} in any of ` +
    `${b.rounds} rounds: ${verdict(ok)}. The most delayed connects in a round: ListenConfig ${worst('listenconfig')}, ` +
    `net.Server (511) ${worst('net.Server')}, net.Server with backlog 4096 ${worst('net.Server backlog 4096')}.`
  );
}

/** NAME -> () => the text between its markers. */
export const generators = {
  'bench-machine': () => {
    const r = results();
    const m = r.machine;
    return (
      `Machine: ${m.cpu}, ${m.cores} cores, ${m.memGiB} GiB, Linux ${m.kernel}, Node ${m.node}` +
      `${m.go ? `, ${m.go.split(' ')[0]}` : ''}, \`net.core.somaxconn\` ${m.somaxconn}; run of ${r.date}, ` +
      `${Math.round(r.seconds)} s (\`bench/results/latest.json\`).`
    );
  },
  'bench-burst': () => burstTable(results().burst, [500]),
  'readme-burst': () => {
    const b = results().burst;
    const at = (contender) => b.cases.find((c) => c.n === 1000 && c.contender === contender);
    const node = at('net.Server');
    const big = at('net.Server backlog 4096');
    const ours = at('listenconfig');
    const none = (c) => (c.delayed.median === 0 ? 'none' : String(c.delayed.median));
    return (
      `In the committed bench run, 1000 clients connecting during a ${b.busyMs / 1000} s busy loop left ` +
      `${node.delayed.median} of them waiting a second for a SYN retransmit; with the backlog at 4096, ` +
      `${none(big)}, and with this package's default, ${none(ours)} ([benchmarks](docs/benchmarks.md)).`
    );
  },
  'bench-accept': () => {
    const a = results().accept;
    const rows = acceptOrder
      .filter((k) => a.contenders[k])
      .map((k) => {
        const c = a.contenders[k];
        return [
          acceptNames[k],
          spread(c.connPerSec, grouped),
          spread(c.cpuUsPerConn, (x) => fixed(x, 1)),
          c.heapBytesPerConn?.n ? grouped(c.heapBytesPerConn.median) : '–',
        ];
      });
    return table(['server', 'conn/s', 'CPU µs per connection', 'heap B per connection'], rows);
  },
  'bench-accept-ratios': () => {
    const q = results().accept.ratios;
    const rows = Object.entries(ratioNames)
      .filter(([k]) => q[k])
      .map(([k, name]) => [name, times(q[k].connPerSec), times(q[k].cpuUsPerConn)]);
    return table(['ratio', 'conn/s', 'CPU per connection'], rows);
  },
  'bench-overload': () => {
    const o = results().overload.contenders;
    const names = {
      'serve() K=2000': '`serve()`, K = 2000',
      'net.Server': 'net.Server (511)',
      'net.Server backlog 4096': 'net.Server, backlog 4096',
    };
    const idle = Object.values(o).flatMap((c) => [c.idleRssMB.min, c.idleRssMB.max]);
    const rows = Object.entries(o).map(([k, c]) => [
      names[k] ?? k,
      c.peakOpen.min === c.peakOpen.max ? String(c.peakOpen.median) : spread(c.peakOpen, String),
      String(Math.round(c.peakRssMB.median - c.idleRssMB.median)),
      fixed(c.peakLiveHeapMB.median, 1),
      String(c.unserved.median),
      String(Math.round(c.p50Ms.median)),
      String(Math.round(c.p99Ms.median)),
    ]);
    const rss = `RSS growth MB (idle ${Math.floor(Math.min(...idle))}–${Math.ceil(Math.max(...idle))})`;
    return table(['server', 'peak open', rss, 'live heap MB', 'unserved', 'p50 ms', 'p99 ms'], rows);
  },
  'bench-http': () => {
    const h = results().http.modes;
    const rows = Object.entries(h).map(([mode, m]) => [
      mode === 'keep-alive' ? 'keep-alive' : `\`${mode}\``,
      spread(m.contenders.listenconfig.rps, grouped),
      spread(m.contenders['server.listen'].rps, grouped),
      times(m.ratio),
    ]);
    return table(['mode', '`serve()` req/s', 'server.listen req/s', 'ratio'], rows);
  },
  'bench-growth': () => {
    const g = results().growth;
    const side = (c, level) => [
      fixed(c[level].cpuUsPerConn.median, 1),
      `${fixed(c[level].vs32.median, 2)}×`,
      String(Math.round(c[level].heapBytesPerConn.median)),
    ];
    const rows = g.levels.map((level) => [
      level.replace('10000', '10,000'),
      ...side(g.contenders.listenconfig, level),
      ...side(g.contenders['net.Server'], level),
    ]);
    return table(
      [
        'clients',
        'ListenConfig CPU µs/conn',
        'vs its 32',
        'heap B/conn',
        'net.Server CPU µs/conn',
        'vs its 32',
        'heap B/conn',
      ],
      rows,
    );
  },
  'bench-burst-scale': () => burstTable(results()['burst-scale']),
  'bench-cores': () => {
    const c = results().cores.contenders;
    const names = {
      'listenconfig, 2 worker threads': 'ListenConfig, 2 worker threads',
      'listenconfig, 2 cluster workers': 'ListenConfig, 2 cluster workers',
      'Node cluster, 2 workers': 'Node `cluster`, 2 workers',
      'Go, 2 listeners': 'Go, 2 listeners',
    };
    const rows = Object.entries(c).map(([k, v]) => [
      names[k] ?? k,
      spread(v.connPerSec, grouped),
      fixed(v.cpuUsPerConn.median, 1),
    ]);
    return table(['server', 'conn/s', 'CPU µs per connection'], rows);
  },
  'bench-relay': () => {
    const x = results().relay;
    if (x === undefined) return '_No figures yet: the next full `npm run bench` adds this table._';
    if (x.skipped) return `_Skipped in the committed run: ${x.skipped}._`;
    const rows = Object.entries(relayTotals(x)).map(([name, t]) => [
      name.startsWith('handed on')
        ? 'handed on (`ln.file()` → `fileListener(3)`)'
        : 'naive restart (close, retry `listen()`)',
      grouped(t.connections),
      String(t.failed),
      `${t.refused} / ${t.reset}`,
    ]);
    return table(['restart', 'connections', 'failed', 'refused / reset'], rows);
  },
  'bench-upgrade': () => {
    const u = results().upgrade;
    if (u === undefined) return '_No figures yet: the next full `npm run bench` adds this table._';
    if (u.skipped) return `_Skipped in the committed run: ${u.skipped}._`;
    const rows = Object.entries(u.modes).flatMap(([mode, m]) =>
      Object.entries(m.contenders ?? { [`skipped: ${m.skipped}`]: null }).map(([name, c]) => [
        mode === 'keep-alive' ? 'keep-alive' : `\`${mode}\``,
        name === 'Upgrader + drain' ? '`Upgrader` + `shutdown()`' : name,
        ...(c === null ? ['', '', ''] : [grouped(c.requests), String(c.non2xx), String(c.socketErrors)]),
      ]),
    );
    return table(['mode', 'server', 'requests', 'non-2xx', 'socket errors'], rows);
  },
  'bench-burst-verdict': () => {
    const b = results().burst;
    return burstVerdict(b, `up to the effective backlog (N = ${Math.max(...b.ns)})`);
  },
  'bench-burst-scale-verdict': () => burstVerdict(results()['burst-scale'], 'at any N'),
  'bench-accept-verdict': () => {
    const r = results();
    const a = r.accept;
    const q = a.ratios['listenconfig / net.Server'];
    const same = a.ratios['listenconfig / net.Server+ka+nodelay'];
    const cpu = (k) => a.contenders[k]?.cpuUsPerConn.median;
    const lc = cpu('listenconfig');
    const of = (k, name) => (cpu(k) ? `${name} spent ${fixed(cpu(k) / lc, 2)}×` : null);
    const others = [of('Go', 'the Go accept loop'), of('C epoll', 'the C epoll loop')].filter(Boolean);
    return (
      `${runOf(r)}, over ${a.rounds} rounds, ListenConfig's \`accept()\` loop made ${times(q.connPerSec)} the ` +
      `connections per second and spent ${times(q.cpuUsPerConn)} the CPU per connection of \`net.Server\`. ` +
      `The floor, ≥ 0.95× the throughput: ${verdict(q.connPerSec.median >= 0.95)}; ≤ 1.05× the CPU: ` +
      `${verdict(q.cpuUsPerConn.median <= 1.05)}. The aim, ≤ 0.85× the CPU: ${verdict(q.cpuUsPerConn.median <= 0.85)}. ` +
      `Against \`net.Server\` with the same options the CPU ratio was ${times(same.cpuUsPerConn)}.` +
      (others.length ? ` Per connection, ${others.join(' and ')} of ListenConfig's CPU (ratios of the medians).` : '')
    );
  },
  'bench-accept-fd': () => {
    const r = results();
    const q = r.accept.ratios['listenconfig / listenconfig { fd }'];
    if (!q) return '_The committed run has no `{ fd }` comparison._';
    return `${runOf(r)} the handle path spent ${times(q.cpuUsPerConn)} the CPU per connection of the public \`{ fd }\` path.`;
  },
  'bench-accept-for-await': () => {
    const r = results();
    const q = r.accept.ratios;
    const fa = q['listenconfig for await / listenconfig'];
    const fn = q['listenconfig for await / net.Server'];
    if (!fa || !fn) return '_The committed run has no `for await` contender._';
    return (
      `${runOf(r)}, \`for await\` spent ${times(fa.cpuUsPerConn)} the CPU per connection of the ` +
      `\`accept()\` loop and ${times(fn.cpuUsPerConn)} \`net.Server\`'s, rounds run one after another.`
    );
  },
  'bench-overload-verdict': () => {
    const r = results();
    const o = r.overload;
    const [lc, ...rest] = Object.entries(o.contenders);
    const q = Object.values(o.ratios);
    const first = q[0];
    const both = (k) => q.map((x) => times(x[k])).join(' and ');
    const unserved = rest.map(([name, c]) => `${name} ${c.unserved.max}`).join(', ');
    return (
      `${runOf(r)}, \`serve()\` against net.Server (511) and (4096): RSS growth ${both('rssGrowth')}, ` +
      `live heap growth ${both('liveHeapGrowth')}, p99 ${both('p99')}. Targets: every client served ` +
      `${verdict(lc[1].unserved.max === 0)}; peak open exactly K = ${o.limit} ` +
      `${verdict(lc[1].peakOpen.min === o.limit && lc[1].peakOpen.max === o.limit)}; RSS growth at most ` +
      `\`net.Server\`'s ${verdict(first.rssGrowth.median <= 1)}; live heap growth at most 0.5× of it ` +
      `${verdict(first.liveHeapGrowth.median <= 0.5)}. Most clients left unserved in a round: ${unserved}.`
    );
  },
  'bench-http-verdict': () => {
    const r = results();
    const h = r.http;
    const modes = Object.entries(h.modes);
    const ok = modes.every(([, m]) => m.ratio.median >= 1.0);
    const each = modes.map(([mode, m]) => `${mode} ${times(m.ratio)}`).join(', ');
    return `${runOf(r)}, ${h.rounds} rounds: ${each}. Goal ≥ 1.0× in both modes: ${verdict(ok)}.`;
  },
  'bench-growth-verdict': () => {
    const r = results();
    const g = r.growth;
    const vs = (name, level) => g.contenders[name][level].vs32.median;
    const rest = g.levels.filter((l) => l !== '1' && l !== '32');
    const range = (name) => {
      const xs = rest.map((l) => vs(name, l));
      return `${fixed(Math.min(...xs), 2)}–${fixed(Math.max(...xs), 2)}×`;
    };
    const heaps = g.levels.map((l) => g.contenders.listenconfig[l].heapBytesPerConn.median);
    const ok = g.levels.every((l) => vs('listenconfig', l) <= 1.1);
    const lc = g.contenders.listenconfig;
    return (
      `${runOf(r)}, above 32 clients and with ${g.idle.toLocaleString('en-US')} idle connections ListenConfig measured ` +
      `${range('listenconfig')} its 32-client figure, \`net.Server\` ${range('net.Server')} its own; ListenConfig's heap ` +
      `bytes per connection ranged ${grouped(Math.min(...heaps))}–${grouped(Math.max(...heaps))} over all levels. At one client ` +
      `ListenConfig measured ${x2(lc['1'].vs32)} (${fixed(lc['1'].cpuUsPerConn.median, 1)} µs against ` +
      `${fixed(lc['32'].cpuUsPerConn.median, 1)}) and \`net.Server\` ${x2(g.contenders['net.Server']['1'].vs32)}. ` +
      `Goal, within 10% at every level: ${verdict(ok)}.`
    );
  },
  'bench-cores-ratios': () => {
    const r = results();
    const c = r.cores;
    const q = (k) => c.ratios[k]?.connPerSec;
    const n = c.cores;
    const threads = q(`listenconfig, ${n} worker threads / Node cluster, ${n} workers`);
    const cluster = q(`listenconfig, ${n} cluster workers / Node cluster, ${n} workers`);
    const go = q(`listenconfig, ${n} worker threads / Go, ${n} listeners`);
    const parts = [];
    if (threads)
      parts.push(
        `ListenConfig's worker threads made ${times(threads)} the connections per second of Node's \`cluster\``,
      );
    if (cluster) parts.push(`its cluster workers ${times(cluster)}`);
    if (go) parts.push(`and the worker threads ${times(go)} Go's`);
    return `${runOf(r)}, ${parts.join(', ')}.`;
  },
  'conformance-count': () => {
    const out = execFileSync(
      process.execPath,
      [path.join(root, 'dist', 'cli', 'main.js'), 'conformance', '--list', '--json'],
      {
        cwd: root,
        encoding: 'utf8',
      },
    );
    const { count, files, platform } = JSON.parse(out);
    return `On ${platform} the shipped suite has ${count} behaviours in ${files} spec files.`;
  },
};

/** The files holding markers. */
export const docs = ['README.md', 'docs/benchmarks.md', 'docs/cli.md'];

const marker = /<!-- generated:([\w-]+) -->\n([\s\S]*?)<!-- \/generated:\1 -->/g;

/** Returns { text, stale: [names], unknown: [names] } for one file's text. */
export function regenerate(text) {
  const stale = [];
  const unknown = [];
  const out = text.replace(marker, (all, name, body) => {
    const gen = generators[name];
    if (!gen) {
      unknown.push(name);
      return all;
    }
    const fresh = `${gen()}\n`;
    if (fresh !== body) stale.push(name);
    return `<!-- generated:${name} -->\n${fresh}<!-- /generated:${name} -->`;
  });
  return { text: out, stale, unknown };
}

if (process.argv[1] && fs.realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const write = process.argv.includes('--write');
  let bad = 0;
  for (const f of docs) {
    const p = path.join(root, f);
    const { text, stale, unknown } = regenerate(fs.readFileSync(p, 'utf8'));
    for (const n of unknown) {
      console.log(`${f}: unknown generated block "${n}"`);
      bad++;
    }
    if (write) {
      fs.writeFileSync(p, text);
      for (const n of stale) console.log(`${f}: rewrote ${n}`);
    } else
      for (const n of stale) {
        console.log(`${f}: ${n} differs from what scripts/doc-tables.mjs writes (run npm run docs)`);
        bad++;
      }
  }
  process.exitCode = bad > 0 ? 1 : 0;
}
