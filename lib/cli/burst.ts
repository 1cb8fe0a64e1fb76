// listenconfig burst HOST:PORT -n N (issue 12): the burst that reproduces
// Go issue 39000, against any server. N connects at once; a connect that
// took >= 0.9 s waited for a SYN retransmit because the server's accept
// queue was full.
import * as dns from 'node:dns';
import { joinHostPort, lookupPort, splitHostPort } from '../address';
import { canonicalIP, isUnspecified, parseLiteral } from '../ip';
import { Burst } from './burst-engine';
import { renderText, summarize, DELAYED_MS } from './burst-report';
import { CliError, durationOption, emit, intOption, parse, type Command, type Io } from './command';
import { descriptorLimit } from './nofile';
import { Progress } from './progress';

const DEFAULT_TIMEOUT_MS = 10_000;
// Descriptors the process needs besides the N connections: stdio, the
// event loop's own, a DNS lookup's.
const SPARE_DESCRIPTORS = 32;
const MAX_CONNECTIONS = 65535;

const help = `Usage: listenconfig burst HOST:PORT -n N [options]

Opens N TCP connections to HOST:PORT at once, holds each one open until every
connect has finished (so the server's accept queue must hold them all), then
closes them all with an RST (no TIME_WAIT is left behind). It reports how many
completed, how many of those were delayed past a SYN retransmit (they took
>= 0.9 s: the first retransmit comes after 1 s, so the server's accept queue
was full and dropped their SYN), how many were refused (ECONNREFUSED,
ECONNRESET), timed out or failed otherwise, the connect-time percentiles and a
histogram. This is the burst of Go issue 39000: see docs/cli.md.

Options:
  -n, --connections N    connections to open (required; at most 65535)
  -c, --concurrency C    connects in flight at most (default N); connections
                         already established stay open and do not count
  -t, --timeout T        give up a connect after T (default 10s): 500ms, 2s, 1m
      --allow-remote     allow a target that is not this machine
      --fail-on-delay    exit 1 when a connect was delayed past a SYN retransmit
  -q, --quiet            no progress
      --json             one JSON document on stdout, no progress
  -h, --help             this text

HOST is an IP address or a name, resolved once; every connection goes to its
first address. Only loopback targets are allowed (127.0.0.0/8, ::1, a name
that resolves to them; an empty HOST, 0.0.0.0 and :: reach this machine too)
unless --allow-remote is given. PORT is a number or a service name (http).

Progress goes to stderr (a bar on a terminal, a line per tenth otherwise), so
that stdout holds only the report. All N connections are open at the end at
once: N must fit under the open-files limit (ulimit -n). When it does not,
burst says so and exits before connecting.

Exit status: 0 every connect completed (delayed ones included, unless
--fail-on-delay); 1 a connect was refused, timed out or failed (or, with
--fail-on-delay, was delayed); 2 bad arguments, a remote target without
--allow-remote, a name that does not resolve, or too few descriptors; 130
interrupted (Ctrl-C resets every open connection first).
`;

export interface Target {
  /** HOST:PORT as given. */
  given: string;
  /** The IP address dialed, `%zone` included, and its port. */
  ip: string;
  port: number;
  /** Every address a name resolved to (the first is dialed); [ip] for a literal. */
  resolved: string[];
}

/** Go's IP.IsLoopback, with the unspecified addresses (which Linux dials locally) counted as local. */
export function isLocal(ip: string): boolean {
  const plain = canonicalIP(ip);
  return plain.startsWith('127.') || ip === '::1' || isUnspecified(ip);
}

/**
 * HOST:PORT to the address burst dials, with Go's parsing and texts
 * (`dial tcp: address 127.0.0.1: missing port in address`).
 */
export async function resolveTarget(given: string, allowRemote: boolean): Promise<Target> {
  let host: string;
  let port: number;
  try {
    const [h, p] = splitHostPort(given);
    host = h;
    port = lookupPort('tcp', p);
  } catch (e) {
    throw new CliError(`dial tcp: ${(e as Error).message}`);
  }
  if (port === 0) throw new CliError(`dial tcp ${given}: port 0 is not a server's port`);
  let ips: string[];
  const literal = parseLiteral(host);
  if (host === '') {
    // Go dials the local system for an empty host; here it reached 127.0.0.1.
    ips = ['127.0.0.1'];
  } else if (literal) {
    ips = [literal.zone !== '' ? `${literal.ip}%${literal.zone}` : literal.ip];
  } else {
    try {
      ips = (await dns.promises.lookup(host, { all: true })).map((a) => a.address);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new CliError(`dial tcp: lookup ${host}: ${code === 'ENOTFOUND' ? 'no such host' : String(code ?? e)}`);
    }
  }
  if (!allowRemote) {
    const remote = ips.filter((ip) => !isLocal(ip.replace(/%.*$/, '')));
    if (remote.length > 0) {
      const what =
        literal || host === ''
          ? `${remote[0]} is not a loopback address`
          : `${host} resolves to ${remote.join(', ')}, not a loopback address`;
      throw new CliError(`burst: ${what} (127.0.0.0/8, ::1); pass --allow-remote to burst another machine`);
    }
  }
  return { given, ip: ips[0], port, resolved: ips };
}

/** Fails before the first connect when N connections cannot all be open at once. */
function checkDescriptors(n: number): void {
  const d = descriptorLimit();
  if (d === undefined) return;
  const need = n + d.inUse + SPARE_DESCRIPTORS;
  if (need <= d.limit) return;
  throw new CliError(
    `burst: -n ${n} holds ${n} connections open at once, but this process may open ${d.limit} descriptors ` +
      `(${d.inUse} in use; Node already raised its soft limit to the hard one): ` +
      `raise the limit in the shell that runs burst, e.g. \`ulimit -n ${need}\` (above the hard limit as root or in /etc/security/limits.conf), or lower -n`,
  );
}

export const command: Command = {
  name: 'burst',
  summary: 'open N connections at once against a server and report what became of them',
  help,
  async run(args: string[], io: Io): Promise<number> {
    const { values, positionals } = parse(
      args,
      {
        connections: { type: 'string', short: 'n' },
        concurrency: { type: 'string', short: 'c' },
        timeout: { type: 'string', short: 't' },
        'allow-remote': { type: 'boolean' },
        'fail-on-delay': { type: 'boolean' },
        quiet: { type: 'boolean', short: 'q' },
      },
      true,
    );
    if (values.help) {
      io.stdout.write(help);
      return 0;
    }
    if (positionals.length !== 1) {
      throw new CliError(
        positionals.length === 0
          ? 'burst: missing HOST:PORT (listenconfig burst --help)'
          : `burst: one HOST:PORT expected, got ${positionals.length}: ${positionals.join(' ')}`,
      );
    }
    const n = intOption(values, 'connections', 1, '-n/--connections');
    if (n === undefined) throw new CliError('burst: -n N is required: how many connections to open');
    // One local port per connection to one address: more can never all be open.
    if (n > MAX_CONNECTIONS)
      throw new CliError(
        `burst: -n ${n} is more than ${MAX_CONNECTIONS}: a connection to one address needs a local port of its own`,
      );
    const concurrency = Math.min(n, intOption(values, 'concurrency', 1, '-c/--concurrency') ?? n);
    const timeoutMs = durationOption(values, 'timeout') ?? DEFAULT_TIMEOUT_MS;
    if (!(timeoutMs > 0)) throw new CliError(`--timeout must be longer than 0, not ${JSON.stringify(values.timeout)}`);
    // setTimeout's limit; past it Node fires at once.
    if (timeoutMs > 2 ** 31 - 1)
      throw new CliError(`--timeout must be at most 24 days, not ${JSON.stringify(values.timeout)}`);
    const json = values.json === true;

    const target = await resolveTarget(positionals[0], values['allow-remote'] === true);
    checkDescriptors(n);

    const progress =
      json || values.quiet
        ? undefined
        : new Progress(
            io.stderr,
            'burst',
            n,
            () =>
              `completed ${burst.completed}, refused ${burst.refused}, timed out ${burst.timedOut}, errors ${burst.errors}`,
          );
    const burst: Burst = new Burst({
      ip: target.ip,
      port: target.port,
      n,
      concurrency,
      timeoutMs,
      onSettle: progress && ((b) => progress.tick(b.finished)),
    });
    // Ctrl-C: reset what is open rather than leave N connections to close with FINs.
    const onSigint = () => burst.interrupt();
    process.once('SIGINT', onSigint);
    try {
      await burst.run();
    } finally {
      process.removeListener('SIGINT', onSigint);
      progress?.end();
      burst.closeAll();
    }
    const summary = summarize(burst);
    const address = joinHostPort(target.ip, target.port);
    if (burst.interrupted) {
      throw new CliError(`burst: interrupted after ${burst.finished} of ${n} connects`, 130);
    }
    const doc = {
      target: target.given,
      address,
      resolved: target.resolved,
      n,
      concurrency,
      timeoutMs,
      delayedMs: DELAYED_MS,
      ...summary,
    };
    // A name with several addresses (localhost: ::1 and 127.0.0.1) and a
    // server on only one of them: say which one was dialed.
    const hint =
      summary.counts.completed === 0 && target.resolved.length > 1
        ? `\n${target.given} resolved to ${target.resolved.join(', ')}; burst dialed ${target.ip} only: give the address to dial another`
        : '';
    const text = renderText(summary, {
      target: target.given,
      address,
      n,
      concurrency,
      timeoutMs,
      width: io.stdout.isTTY ? (io.stdout.columns ?? 80) : Number(process.env.COLUMNS) || 80,
      unicode: io.stdout.isTTY === true,
    });
    emit(io, json, doc, () => text + hint);
    const c = summary.counts;
    if (c.completed < n) return 1;
    return values['fail-on-delay'] && c.delayed > 0 ? 1 : 0;
  },
};
