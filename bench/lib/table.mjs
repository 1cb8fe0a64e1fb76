// The table printed at the end of a run: medians with their spread, the
// ratios, and whether each target of issue 4 is met.

const f = (x, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : '-');
const spread = (s, d = 0) => `${f(s.median, d)} [${f(s.min, d)}–${f(s.max, d)}]`;
const times = (s) => `${f(s.median, 3)}× [${f(s.min, 3)}–${f(s.max, 3)}]`;
const verdict = (ok) => (ok ? 'met' : 'NOT met');

function row(cells, widths) {
  return (
    '  ' +
    cells
      .map((c, i) => String(c).padEnd(widths[i]))
      .join('  ')
      .trimEnd()
  );
}

// The burst scenarios' table (2. and 6.): one row per N and server.
function burstTable(cases, widths) {
  console.log(row(['N', 'server', 'failed', 'delayed >0.9 s', 'p50 ms', 'p99 ms', 'max ms'], widths));
  for (const c of cases) {
    const cells = [
      c.n,
      c.contender,
      f(c.failed.max),
      spread(c.delayed),
      spread(c.p50Ms, 1),
      spread(c.p99Ms, 1),
      f(c.maxMs.max),
    ];
    console.log(row(cells, widths));
  }
}

export function printTable(r) {
  const m = r.machine;
  console.log('');
  console.log(`listenconfig bench${r.quick ? ' (quick: smoke check, figures are not meaningful)' : ''}, ${r.date}`);
  console.log(
    `machine: ${m.cpu}, ${m.cores} cores, ${m.memGiB} GiB, Linux ${m.kernel}, Node ${m.node}, somaxconn ${m.somaxconn}` +
      (m.go ? `, ${m.go}` : ''),
  );
  console.log('figures: median of the rounds [min–max]; ratios: median of per-round ratios [min–max]');
  for (const [k, why] of Object.entries(r.skipped)) console.log(`skipped ${k}: ${why}`);

  if (r.accept) {
    const a = r.accept;
    console.log('');
    console.log(
      `1. Accept path: ${a.clients} clients connect/close in a closed loop, ${a.seconds} s x ${a.rounds} rounds` +
        (m.pinning ? ', server and load generator on one core each' : ''),
    );
    const w = [24, 26, 26, 22];
    console.log(row(['server', 'conn/s', 'CPU µs per connection', 'heap B per connection'], w));
    for (const [name, c] of Object.entries(a.contenders)) {
      console.log(
        row(
          [
            name,
            spread(c.connPerSec),
            spread(c.cpuUsPerConn, 1),
            c.heapBytesPerConn?.n ? spread(c.heapBytesPerConn) : '-',
          ],
          w,
        ),
      );
    }
    for (const [name, q] of Object.entries(a.ratios)) {
      console.log(
        row(
          [
            name,
            `conn/s ${times(q.connPerSec)}`,
            `CPU ${times(q.cpuUsPerConn)}`,
            q.heapBytesPerConn ? `heap ${times(q.heapBytesPerConn)}` : '',
          ],
          [46, 30, 30, 30],
        ),
      );
    }
    const q = a.ratios['listenconfig / net.Server'];
    console.log(
      `  floor (vs net.Server): conn/s >= 0.95x ${verdict(q.connPerSec.median >= 0.95)}; CPU <= 1.05x ${verdict(q.cpuUsPerConn.median <= 1.05)}; aim CPU <= 0.85x ${verdict(q.cpuUsPerConn.median <= 0.85)}`,
    );
    const fa = a.ratios['listenconfig for await / listenconfig'];
    if (fa)
      console.log(
        `  for await within 2% of the accept() loop's CPU: ${verdict(fa.cpuUsPerConn.median <= 1.02)} (${times(fa.cpuUsPerConn)})`,
      );
  }

  if (r.burst) {
    const b = r.burst;
    console.log('');
    console.log(
      `2. Burst: N simultaneous connects while the event loop is busy ${b.busyMs} ms, ${b.rounds} rounds; N capped at the effective backlog ${b.effectiveBacklog}`,
    );
    burstTable(b.cases, [6, 24, 8, 16, 18, 18, 10]);
    const lc = b.cases.filter((c) => c.contender === 'listenconfig');
    const ok = lc.every((c) => c.failed.max === 0 && c.delayed.max === 0);
    console.log(
      `  target: listenconfig default, no failed or delayed connect up to N=${Math.max(...b.ns)} in any round: ${verdict(ok)}`,
    );
  }

  if (r.overload) {
    const o = r.overload;
    console.log('');
    console.log(
      `3. Overload: ${o.clients} clients at once, each connection held ${o.holdMs} ms, ${o.timeoutMs / 1000} s cap, ${o.rounds} rounds`,
    );
    const w = [24, 16, 16, 18, 12, 14, 16, 16];
    console.log(
      row(['server', 'peak open', 'RSS growth MB', 'live heap MB', 'idle MB', 'unserved', 'p50 ms', 'p99 ms'], w),
    );
    for (const [name, c] of Object.entries(o.contenders)) {
      const grow = { median: c.peakRssMB.median - c.idleRssMB.median };
      console.log(
        row(
          [
            name,
            spread(c.peakOpen),
            f(grow.median),
            spread(c.peakLiveHeapMB, 1),
            f(c.idleRssMB.median),
            spread(c.unserved),
            spread(c.p50Ms),
            spread(c.p99Ms),
          ],
          w,
        ),
      );
    }
    for (const [name, q] of Object.entries(o.ratios)) {
      console.log(
        row(
          [
            name,
            `RSS growth ${times(q.rssGrowth)}`,
            `live heap growth ${times(q.liveHeapGrowth)}`,
            `p99 ${times(q.p99)}`,
          ],
          [50, 32, 38, 30],
        ),
      );
    }
    const lc = Object.entries(o.contenders)[0][1];
    const first = Object.values(o.ratios)[0];
    console.log(
      `  targets: every client served ${verdict(lc.unserved.max === 0)}; peak open exactly K=${o.limit} ${verdict(lc.peakOpen.min === o.limit && lc.peakOpen.max === o.limit)}; ` +
        `RSS growth <= net.Server's ${verdict(first.rssGrowth.median <= 1)}; live heap <= 0.5x net.Server's ${verdict(first.liveHeapGrowth.median <= 0.5)}`,
    );
  }

  if (r.http && !r.http.skipped) {
    const h = r.http;
    console.log('');
    console.log(
      `4. HTTP: http.createServer, serve(ln, server) vs server.listen(), ${h.tool} ${h.connections} connections, ${h.seconds} s x ${h.rounds} rounds`,
    );
    const w = [18, 26, 26, 28];
    console.log(row(['mode', 'listenconfig req/s', 'server.listen req/s', 'ratio'], w));
    for (const [mode, x] of Object.entries(h.modes)) {
      console.log(
        row(
          [mode, spread(x.contenders.listenconfig.rps), spread(x.contenders['server.listen'].rps), times(x.ratio)],
          w,
        ),
      );
    }
    // Failed requests per side (wrk's socket errors and non-2xx), summed
    // over the rounds; results files recorded without them have no such field.
    const failed = (e) =>
      e
        ? `connect ${e.connect}, read ${e.read}, write ${e.write}, timeout ${e.timeout}, non-2xx ${e.non2xx}`
        : 'not recorded';
    for (const [mode, x] of Object.entries(h.modes)) {
      for (const [name, c] of Object.entries(x.contenders))
        console.log(`  ${mode}, ${name}: errors ${failed(c.errors)}`);
    }
    const ok = Object.values(h.modes).every((x) => x.ratio.median >= 1.0);
    console.log(`  target: >= 1.0x in both modes: ${verdict(ok)}`);
  }

  if (r.growth) {
    const g = r.growth;
    console.log('');
    console.log(
      `5. Cost growth: CPU per accepted connection as concurrency grows, and with ${g.idle} idle connections held, ${g.seconds} s x ${g.rounds} rounds`,
    );
    const w = [16, 20, 22, 24, 18];
    console.log(row(['server', 'clients', 'CPU µs per conn', 'vs 32 clients', 'heap B per conn'], w));
    let ok = true;
    for (const [name, levels] of Object.entries(g.contenders)) {
      for (const [level, x] of Object.entries(levels)) {
        console.log(row([name, level, spread(x.cpuUsPerConn, 1), times(x.vs32), spread(x.heapBytesPerConn)], w));
        if (name === 'listenconfig' && x.vs32.median > 1.1) ok = false;
      }
    }
    console.log(`  target: listenconfig within 10% of its 32-client figure at every level: ${verdict(ok)}`);
  }

  if (r['burst-scale'] && !r['burst-scale'].skipped) {
    const b = r['burst-scale'];
    console.log('');
    console.log(
      `6. Bursts at scale, in a network namespace (somaxconn ${b.sysctls['net.core.somaxconn']}, listenconfig's effective backlog ${b.effectiveBacklog}): N at once while the event loop is busy ${b.busyMs} ms, ${b.rounds} rounds`,
    );
    burstTable(b.cases, [7, 24, 8, 20, 18, 18, 10]);
    const ok = b.cases
      .filter((c) => c.contender === 'listenconfig')
      .every((c) => c.failed.max === 0 && c.delayed.max === 0);
    console.log(`  target: listenconfig default, no failed or delayed connect at any N in any round: ${verdict(ok)}`);
  }

  if (r.cores) {
    const c = r.cores;
    console.log('');
    console.log(
      `7. Across cores: ${c.cores} cores (the figure that matters needs 8+), ${c.clients} clients connect/close, ${c.seconds} s x ${c.rounds} rounds, unpinned`,
    );
    const w = [36, 26, 26];
    console.log(row(['server', 'conn/s', 'CPU µs per connection'], w));
    for (const [name, x] of Object.entries(c.contenders))
      console.log(row([name, spread(x.connPerSec), spread(x.cpuUsPerConn, 1)], w));
    for (const [name, q] of Object.entries(c.ratios))
      console.log(row([name, `conn/s ${times(q.connPerSec)}`], [70, 30]));
  }
  if (r.relay && !r.relay.skipped) {
    const x = r.relay;
    console.log('');
    console.log(
      `8. Relay: ${x.rate} connects/s, ${x.handoffs} restarts in a chain, ${x.rounds} rounds (totals; failed = refused + reset + other)`,
    );
    const w = [38, 12, 8, 10, 8];
    console.log(row(['restart', 'connections', 'failed', 'refused', 'reset'], w));
    let ok = true;
    for (const [name, t] of Object.entries(relayTotals(x))) {
      console.log(row([name, t.connections, t.failed, t.refused, t.reset], w));
      if (name.startsWith('handed on') && t.failed > 0) ok = false;
    }
    console.log(`  target: handed on, 0 failed connections: ${verdict(ok)}`);
  }
  if (r.upgrade && !r.upgrade.skipped) {
    const u = r.upgrade;
    console.log('');
    console.log(
      `9. Upgrades under HTTP load: wrk, ${u.connections} connections, ${u.upgrades} upgrades ${u.gapMs} ms apart, ${u.rounds} rounds (totals)`,
    );
    const w = [20, 18, 12, 10, 14];
    console.log(row(['mode', 'server', 'requests', 'non-2xx', 'socket errors'], w));
    let ok = true;
    for (const [mode, m] of Object.entries(u.modes)) {
      if (m.skipped) {
        console.log(`  ${mode}: skipped: ${m.skipped}`);
        continue;
      }
      for (const [name, c] of Object.entries(m.contenders)) {
        console.log(row([mode, name, c.requests, c.non2xx, c.socketErrors], w));
        if (name === 'Upgrader + drain' && c.non2xx + c.socketErrors > 0) ok = false;
      }
    }
    console.log(`  target: Upgrader + drain, 0 non-2xx and 0 socket errors in both modes: ${verdict(ok)}`);
  }
}

/** The relay scenario's totals over its rounds, per restart kind. */
export function relayTotals(relay) {
  const out = {};
  for (const [name, c] of Object.entries(relay.contenders)) {
    const sum = (k) => c.runs.reduce((a, x) => a + (x[k] ?? 0), 0);
    out[name] = {
      connections: sum('connections'),
      failed: sum('failed'),
      refused: sum('refused'),
      reset: sum('reset'),
    };
  }
  return out;
}
