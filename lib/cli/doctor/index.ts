// listenconfig doctor (issue 12): this machine's listen facts, what they
// mean, a real listener's requested against effective backlog, and advice
// from the origin rule (Go issue 39000): the accept queue must hold the
// connections that arrive between two accepts at burst rate.
import * as os from 'node:os';
import { ListenConfig } from '../../listen-config';
import type { TCPListener } from '../../tcpsock';
import { computeMaxListenerBacklog } from '../../backlog/index';
import { CliError, durationOption, emit, intOption, parse, type Command, type Io } from '../command';
import * as linux from './linux';
import * as bsd from './bsd';
import { hintTable, type HintRow } from './windows';
import { descriptorLimit } from '../nofile';

const help = `Usage: listenconfig doctor [--backlog N] [--burst-rate R --accept-interval T] [--watch T] [--json]

This machine's listen facts and what they mean: maxListenerBacklog() and
where it comes from; on Linux net.core.somaxconn, tcp_max_syn_backlog,
tcp_syncookies, tcp_abort_on_overflow, the ListenOverflows/ListenDrops
counters and the descriptor limit; on macOS/BSD the sysctl; on Windows the
SOMAXCONN_HINT mapping. Then it opens a listener on 127.0.0.1 (the default
config, or --backlog N) and reports the backlog asked for against the one
the kernel applies, and ends with advice. Where a fix is a command, it is
printed.

Options:
  --backlog N            open the listener with this backlog (default: the
                         default config, maxListenerBacklog())
  --burst-rate R         connections per second your server must take in a burst
  --accept-interval T    the longest time between two accepts (e.g. 100ms, 1s):
                         with --burst-rate, the backlog you need is R x T
  --watch T              sample the overflow counters twice, T apart (Linux)
  --json                 one JSON document on stdout
  -h, --help             this text`;

export interface Advice {
  /** What to know or do, one paragraph. */
  text: string;
  /** A command that applies the fix, where there is one. */
  command?: string;
}

export interface DoctorReport {
  platform: string;
  arch: string;
  node: string;
  release: string;
  maxListenerBacklog: { value: number; source: string };
  sysctls: Record<string, number | undefined>;
  counters?: linux.QueueCounters & { watch?: { seconds: number } & linux.QueueCounters };
  descriptors?: { soft: number | null; hard: number | null };
  windowsHint?: HintRow[];
  listener: { address: string; requested: number; effective: number; clamped: string | null } | { error: string };
  burst?: { rate: number; acceptIntervalMs: number; needed: number };
  advice: Advice[];
}

/** The smallest power of two ≥ n (sysctl values are usually given so). */
function pow2(n: number): number {
  return 2 ** Math.ceil(Math.log2(Math.max(1, n)));
}

function facts(
  platform: string,
): Pick<DoctorReport, 'maxListenerBacklog' | 'sysctls' | 'counters' | 'descriptors' | 'windowsHint'> {
  // Read afresh (maxListenerBacklog() keeps the first read for the process):
  // what the next process will get.
  const value = computeMaxListenerBacklog(platform);
  if (platform === 'linux' || platform === 'android') {
    const sysctls: Record<string, number | undefined> = {};
    for (const n of linux.SYSCTLS) sysctls[n] = linux.sysctl(n);
    const raw = sysctls['net.core.somaxconn'];
    const source =
      raw === undefined
        ? '/proc/sys/net/core/somaxconn is unreadable: Go falls back to SOMAXCONN (128)'
        : `net.core.somaxconn (${raw})${raw !== value ? `, clamped to what this kernel stores` : ''}`;
    return {
      maxListenerBacklog: { value, source },
      sysctls,
      counters: linux.queueCounters(),
      descriptors: descriptors(),
    };
  }
  if (platform === 'win32') {
    return {
      maxListenerBacklog: { value, source: 'Windows: SOMAXCONN_HINT(65535), the largest queue Winsock builds' },
      sysctls: {},
      windowsHint: [],
    };
  }
  const s = bsd.somaxconn(platform);
  const sysctls: Record<string, number | undefined> = s ? { [s.name]: s.value } : {};
  const source = s
    ? s.value === undefined
      ? `${s.name} is unreadable: Go falls back to SOMAXCONN (128)`
      : `${s.name} (${s.value})${s.value > 0xffff ? ', clamped to 65535 (a 16-bit field)' : ''}`
    : `${platform} has no somaxconn sysctl in Go's switch: SOMAXCONN (128)`;
  return { maxListenerBacklog: { value, source }, sysctls, descriptors: descriptors() };
}

/** RLIMIT_NOFILE; null for unlimited (JSON has no Infinity). */
function descriptors(): DoctorReport['descriptors'] {
  const lim = descriptorLimit();
  const n = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? null : v);
  return lim && { soft: n(lim.limit), hard: n(lim.hard) };
}

async function probeListener(
  platform: string,
  backlog: number | undefined,
  max: DoctorReport['maxListenerBacklog'],
): Promise<DoctorReport['listener']> {
  let ln: TCPListener;
  try {
    ln = await new ListenConfig(backlog === undefined ? {} : { backlog }).listen('tcp', '127.0.0.1:0');
  } catch (e) {
    return { error: String((e as Error).message) };
  }
  const { requested, effective } = ln.backlog;
  const address = `127.0.0.1:${ln.addr().port}`;
  await ln.close();
  let clamped: string | null = null;
  if (effective < requested) {
    clamped =
      platform === 'win32'
        ? `Winsock builds at most ${effective} (SOMAXCONN_HINT's ceiling)`
        : `the kernel clamps listen(2)'s backlog to ${max.source.replace(/ \(.*$/, '')} = ${effective}`;
  }
  return { address, requested, effective, clamped };
}

/** What a client meets when the queue is full, per OS. */
function overflow(platform: string): string {
  if (platform === 'win32')
    return 'A full queue makes Winsock refuse the connection: the client gets ECONNREFUSED (Node issue 38736).';
  if (platform === 'linux' || platform === 'android') {
    return 'A full queue drops the SYN silently and the client waits for a retransmit (1 s, then 3 s, …).';
  }
  return 'A full queue drops the SYN and the client waits for a retransmit.';
}

function advise(platform: string, r: DoctorReport): Advice[] {
  const out: Advice[] = [];
  const max = r.maxListenerBacklog.value;
  const eff = 'effective' in r.listener ? r.listener.effective : max;
  const somaxconnName = platform === 'linux' ? 'net.core.somaxconn' : Object.keys(r.sysctls)[0];

  if (r.burst) {
    const { needed, rate, acceptIntervalMs } = r.burst;
    const what = `${rate} connections/s arriving while accepts are up to ${acceptIntervalMs} ms apart need a queue of ${needed}`;
    if (needed <= eff) {
      out.push({ text: `${what}: the listener's ${eff} holds them.` });
    } else if (needed <= max) {
      out.push({
        text: `${what}, more than this listener's ${eff}: ask for it.`,
        command: `new ListenConfig({ backlog: ${needed} })`,
      });
    } else if (platform === 'win32') {
      out.push({
        text: `${what}, more than Winsock's ceiling of 65535: accept more often, or spread the load over several listeners.`,
      });
    } else {
      out.push({
        text: `${what}, more than ${somaxconnName ?? 'the kernel limit'} (${max}) allows: raise it, then ask for the backlog (the default config takes the new value on the next process start).`,
        command: somaxconnName ? `sysctl -w ${somaxconnName}=${pow2(needed)}` : undefined,
      });
    }
  } else {
    out.push({
      text:
        `The accept queue must hold every connection that arrives between two accepts: backlog >= burst rate x accept interval. ` +
        `This listener holds ${eff}: e.g. ${eff * 10} connections/s with accepts up to 100 ms apart. ` +
        `Give --burst-rate and --accept-interval to compute yours. ${overflow(platform)}`,
    });
  }

  if (platform === 'linux') {
    const s = r.sysctls;
    const cookies = s['net.ipv4.tcp_syncookies'];
    const synq = s['net.ipv4.tcp_max_syn_backlog'];
    if (cookies === 1 || cookies === 2) {
      out.push({
        text:
          `SYN cookies are on (tcp_syncookies=${cookies}): under a SYN flood legitimate clients still get in at any backlog ` +
          '(measured: 200 of 200 at backlog 16, 511 and 4096 under 6,450 SYN/s). A long queue then costs only memory: a flood ' +
          `holds backlog+1 half-open entries of about 0.3 KiB, ${Math.round(((eff + 1) * 312) / 1024)} KiB at this backlog (measured: 1.28 MB at 4096, 160 KiB at 511).`,
      });
    } else if (cookies === 0) {
      out.push({
        text:
          'SYN cookies are off (tcp_syncookies=0): under a SYN flood the half-open queue fills and legitimate clients are shut out, ' +
          'the more so the shorter the queue (measured under 200 SYN/s: backlog 16 let none in, 511 let 39% in, 4096 let all in; ' +
          `under 6,450 SYN/s no backlog helped). Keep the backlog long (tcp_max_syn_backlog is ${synq ?? '?'}) and turn cookies back on.`,
        command: 'sysctl -w net.ipv4.tcp_syncookies=1',
      });
    }
    if (s['net.ipv4.tcp_abort_on_overflow'] === 1) {
      out.push({
        text: 'tcp_abort_on_overflow=1: a full accept queue answers with a reset, so a burst becomes ECONNRESET at the clients instead of a wait for a retransmit.',
        command: 'sysctl -w net.ipv4.tcp_abort_on_overflow=0',
      });
    }
    if (max < 4096) {
      out.push({
        text: `net.core.somaxconn is ${max}: kernels from 5.4 default to 4096; a burst larger than ${max} overflows any listener here.`,
        command: 'sysctl -w net.core.somaxconn=4096',
      });
    }
    const c = r.counters;
    if (c?.watch && (c.watch.ListenOverflows ?? 0) > 0) {
      out.push({
        text: `Accept queues overflowed ${c.watch.ListenOverflows} times in the last ${c.watch.seconds} s (ListenOverflows, all listeners of this network namespace): some listener is not accepting fast enough for its backlog.`,
      });
    } else if ((c?.ListenOverflows ?? 0) > 0) {
      out.push({
        text: `Accept queues have overflowed ${c!.ListenOverflows} times since boot (ListenOverflows, this network namespace). --watch 10s tells whether it is still happening.`,
      });
    }
  }
  const d = r.descriptors;
  if (d && d.soft !== null && d.soft < eff) {
    // Node raises its soft limit to the hard one at start-up, so the soft
    // limit seen here is usually the hard one: raising it takes root.
    const target = pow2(eff * 2);
    const hardOk = d.hard === null || d.hard >= target;
    out.push({
      text:
        `The descriptor limit (${d.soft}) is below the backlog (${eff}): a full queue cannot be accepted at once; the rest waits in the kernel ` +
        `(connections() retries after EMFILE) and is served only as descriptors free up.` +
        (hardOk ? '' : ` The hard limit is ${d.hard}: raise it as root (or LimitNOFILE=${target} in a systemd unit).`),
      command: hardOk ? `ulimit -n ${target}` : `ulimit -Hn ${target} && ulimit -n ${target}`,
    });
  }
  if (platform === 'win32') {
    out.push({
      text: 'Winsock cuts a plain backlog above about 200 to about 200 (Go issue 39000, Node issue 38736); this package passes SOMAXCONN_HINT(n) from 200 on, which net.Server cannot (libuv asserts backlog > 0).',
    });
  }
  return out;
}

function text(r: DoctorReport): string {
  const lines: string[] = [];
  const row = (k: string, v: unknown, note = '') =>
    lines.push(`  ${k.padEnd(32)} ${String(v ?? 'unreadable').padEnd(10)} ${note}`.trimEnd());
  lines.push(`listenconfig doctor: ${r.platform}-${r.arch}, Node ${r.node}, kernel ${r.release}`);
  lines.push('', 'Limits');
  row('maxListenerBacklog()', r.maxListenerBacklog.value, `from ${r.maxListenerBacklog.source}`);
  const meaning: Record<string, string> = {
    'net.core.somaxconn': 'the cap on every listen(2) backlog',
    'net.ipv4.tcp_max_syn_backlog': 'half-open connections kept per listener (without cookies)',
    'net.ipv4.tcp_syncookies': '1: cookies when the SYN queue overflows; 0: off; 2: always',
    'net.ipv4.tcp_abort_on_overflow': '0: a full queue drops the SYN (client retries); 1: resets',
    'net.ipv4.tcp_migrate_req': '1: a closing SO_REUSEPORT member passes its queue on',
  };
  for (const [k, v] of Object.entries(r.sysctls)) row(k, v, meaning[k] ?? '');
  if (r.descriptors)
    row(
      'descriptors (ulimit -n)',
      r.descriptors.soft ?? 'unlimited',
      `hard limit ${r.descriptors.hard ?? 'unlimited'}`,
    );
  if (r.counters) {
    lines.push('', 'Counters (this network namespace, since boot)');
    row(
      'ListenOverflows',
      r.counters.ListenOverflows,
      r.counters.watch
        ? `+${r.counters.watch.ListenOverflows ?? 0} in ${r.counters.watch.seconds} s`
        : 'SYNs/ACKs dropped: an accept queue was full',
    );
    row(
      'ListenDrops',
      r.counters.ListenDrops,
      r.counters.watch
        ? `+${r.counters.watch.ListenDrops ?? 0} in ${r.counters.watch.seconds} s`
        : 'all drops at a listener, overflows included',
    );
  }
  if (r.windowsHint) {
    lines.push('', "Windows: backlog -> Winsock's listen() argument -> queue");
    for (const h of r.windowsHint)
      row(`backlog ${h.backlog}`, h.arg, `queue ${h.queue}${h.arg < 0 ? ` (SOMAXCONN_HINT(${-h.arg}))` : ''}`);
  }
  lines.push('', 'Listener');
  if ('error' in r.listener) lines.push(`  listen failed: ${r.listener.error}`);
  else {
    row('tcp ' + r.listener.address, `${r.listener.effective}`, `effective backlog, ${r.listener.requested} requested`);
    if (r.listener.clamped) lines.push(`  clamped: ${r.listener.clamped}`);
  }
  lines.push('', 'Advice');
  for (const a of r.advice) {
    lines.push(`  - ${a.text}`);
    if (a.command) lines.push(`      ${a.command}`);
  }
  return lines.join('\n');
}

export async function doctor(args: string[], io: Io, platform: string = process.platform): Promise<number> {
  const { values } = parse(args, {
    backlog: { type: 'string' },
    'burst-rate': { type: 'string' },
    'accept-interval': { type: 'string' },
    watch: { type: 'string' },
  });
  if (values.help) {
    io.stdout.write(help + '\n');
    return 0;
  }
  const backlog = intOption(values, 'backlog');
  const rate = intOption(values, 'burst-rate');
  const interval = durationOption(values, 'accept-interval');
  const watch = durationOption(values, 'watch');
  if ((rate === undefined) !== (interval === undefined))
    throw new CliError('--burst-rate and --accept-interval go together');

  const f = facts(platform);
  const r: DoctorReport = {
    platform,
    arch: process.arch,
    node: process.versions.node,
    release: os.release(),
    ...f,
    listener: await probeListener(platform, backlog, f.maxListenerBacklog),
    advice: [],
  };
  if (r.windowsHint) r.windowsHint = hintTable(backlog);
  if (rate !== undefined && interval !== undefined) {
    r.burst = { rate, acceptIntervalMs: interval, needed: Math.max(1, Math.ceil((rate * interval) / 1000)) };
  }
  if (watch !== undefined && r.counters) {
    if (io.stderr.isTTY && !values.json) io.stderr.write(`watching the counters for ${watch / 1000} s…\n`);
    await new Promise((resolve) => setTimeout(resolve, watch));
    const after = linux.queueCounters();
    const delta = (k: keyof linux.QueueCounters) =>
      after[k] === undefined || r.counters![k] === undefined ? undefined : after[k]! - r.counters![k]!;
    r.counters.watch = {
      seconds: watch / 1000,
      ListenOverflows: delta('ListenOverflows'),
      ListenDrops: delta('ListenDrops'),
    };
  }
  r.advice = advise(platform, r);
  emit(io, !!values.json, r, () => text(r));
  return 'error' in r.listener ? 1 : 0;
}

export const command: Command = {
  name: 'doctor',
  summary: "this machine's listen facts (backlog limits, queue counters) and advice",
  help,
  run: (args, io) => doctor(args, io),
};
