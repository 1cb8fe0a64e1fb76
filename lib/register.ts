// listenconfig/register: every TCP listen() of a net.Server in this process
// (http, https, http2 and tls servers are net.Servers) binds through
// ListenConfig and is fed by serve(), for code that calls server.listen()
// itself (frameworks). Loaded with `node --import listenconfig/register` or
// `--require listenconfig/register`; options come from the environment
// (docs/register.md).
//
// The hook replaces net.Server#_listen2, the step of Node's listen() that
// makes and binds the handle, and nothing before it: Node still parses the
// arguments and throws its own errors for bad ones, resolves a host name
// with dns.lookup, handles `signal`, and sends a cluster worker's listen to
// the primary. So the timing is Node's: a numeric or absent host is bound
// within listen() (address() answers at once), a name after its lookup,
// and 'listening' comes on the next tick. What _listen2 gets and hands to
// Node unchanged: a handle or descriptor (the server has `_handle`, or
// `fd` is set), a pipe path (port -1), a cluster worker's listen, and
// Node 22's reusePort (ListenConfig has no such option but Control).
import cluster from 'node:cluster';
import * as dc from 'node:diagnostics_channel';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as util from 'node:util';
import type { Network, TCPAddrParts } from './address';
import { OpError, SyscallError } from './errors';
import { ListenConfig, MAX_BACKLOG, type ListenConfigOptions } from './listen-config';
import { serve, shownIP } from './serve';
import type { TCPListener } from './tcpsock';

type Listen2 = (
  this: net.Server,
  address: string | null | undefined,
  port: number | null | undefined,
  addressType: number | null | undefined,
  backlog: number | undefined,
  fd?: number | null,
  flags?: number,
) => void;

// libuv's TCP flags as net passes them (tcp_wrap's constants).
const UV_TCP_IPV6ONLY = 1;
const UV_TCP_REUSEPORT = 2;

/** The environment variables the hook reads, and what each sets. */
export const ENV = {
  backlog: 'LISTENCONFIG_BACKLOG',
  keepAlive: 'LISTENCONFIG_KEEPALIVE',
  multipathTCP: 'LISTENCONFIG_MPTCP',
} as const;

function intVar(name: string, env: NodeJS.ProcessEnv): number | undefined {
  const v = env[name];
  if (v === undefined || v === '') return undefined;
  if (!/^-?\d+$/.test(v.trim())) {
    throw Object.assign(new TypeError(`listenconfig/register: ${name} must be an integer, got ${JSON.stringify(v)}`), {
      code: 'ERR_INVALID_ARG_VALUE',
    });
  }
  return Number(v.trim());
}

/**
 * The ListenConfig options in the environment: LISTENCONFIG_BACKLOG
 * (listen(2)'s backlog; it wins over the one the program passes),
 * LISTENCONFIG_KEEPALIVE (milliseconds, Go's keepAlive: naming it gives
 * every connection Go's keep-alive and TCP_NODELAY; -1: keep-alive off)
 * and LISTENCONFIG_MPTCP=1 (Multipath TCP). A bad value throws, naming
 * the variable.
 */
export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): {
  options: ListenConfigOptions;
  backlog: number | undefined;
} {
  const options: ListenConfigOptions = {};
  const backlog = intVar(ENV.backlog, env);
  const keepAlive = intVar(ENV.keepAlive, env);
  if (keepAlive !== undefined) options.keepAlive = keepAlive;
  const mptcp = env[ENV.multipathTCP];
  // Unset is plain TCP, as server.listen() makes, not Go 1.24+'s MPTCP
  // default: the hook stands in for Node's listen, and a program that
  // wants Go's default says LISTENCONFIG_MPTCP=1.
  options.multipathTCP = false;
  if (mptcp !== undefined && mptcp !== '') {
    if (mptcp !== '0' && mptcp !== '1') {
      throw Object.assign(
        new TypeError(`listenconfig/register: ${ENV.multipathTCP} must be 0 or 1, got ${JSON.stringify(mptcp)}`),
        { code: 'ERR_INVALID_ARG_VALUE' },
      );
    }
    options.multipathTCP = mptcp === '1';
  }
  // Validated now, so a bad value stops the program before it serves.
  new ListenConfig(backlog === undefined ? options : { ...options, backlog });
  return { options, backlog };
}

// Node's UVExceptionWithHostPort, which net emits for a failed listen:
// `listen EADDRINUSE: address already in use :::8080`.
function uvException(errno: number, address: string, port: number): Error {
  const [code, msg] = util.getSystemErrorMap().get(errno) ?? ['UNKNOWN', 'unknown error'];
  let details = '';
  if (port > 0) details = ` ${address}:${port}`;
  else if (address) details = ` ${address}`;
  const e = new Error(`listen ${code}: ${msg}${details}`) as Error & Record<string, unknown>;
  e.code = code;
  e.errno = errno;
  e.syscall = 'listen';
  e.address = address;
  if (port) e.port = port;
  return e;
}

function syscallErrorOf(e: unknown): SyscallError | undefined {
  const inner = e instanceof OpError ? e.err : e;
  return inner instanceof SyscallError ? inner : undefined;
}

// The server a cluster primary listens with for its workers (Node's
// internal RoundRobinHandle): it takes the server's libuv handle and sets
// its onconnection, so it must get Node's own. It is recognised by the one
// 'connection' listener RoundRobinHandle gives it, Node's internal
// assert.fail, while workers exist.
function roundRobinServer(server: net.Server): boolean {
  if (!cluster.isPrimary || Object.keys(cluster.workers ?? {}).length === 0) return false;
  const ls = server.listeners('connection');
  return ls.length === 1 && ls[0].name === 'fail' && /ERR_INTERNAL_ASSERTION/.test(String(ls[0]));
}

// net's tracing of listen(): listenInCluster publishes asyncStart before
// _listen2, which publishes asyncEnd when bound or error before 'error'.
const listenChannel = dc.tracingChannel('net.server.listen');

// For scripts/node-suite.mjs: a line per listen the hook serves is
// appended to this file, so the runner can tell a file went through it.
const TRACE_FILE = 'LISTENCONFIG_TRACE_FILE';

/** Installs the hook; returns a function that removes it. */
function register(env: NodeJS.ProcessEnv = process.env): () => void {
  const { options, backlog: envBacklog } = optionsFromEnv(env);
  const trace = env[TRACE_FILE] || undefined;
  const proto = net.Server.prototype as unknown as { _listen2: Listen2 };
  const nodeListen2 = proto._listen2;

  const listen2: Listen2 = function (address, port, addressType, backlog, fd, flags = 0) {
    if (
      (this as unknown as { _handle: unknown })._handle ||
      typeof port !== 'number' ||
      port < 0 ||
      (typeof fd === 'number' && fd >= 0) ||
      (flags & UV_TCP_REUSEPORT) !== 0 ||
      cluster.isWorker ||
      roundRobinServer(this)
    ) {
      return nodeListen2.apply(this, [address, port, addressType, backlog, fd, flags]);
    }
    // Node passes listen(2) `backlog || 511` whatever it is; here a
    // backlog that is not a positive integer means ListenConfig's default.
    const asked = Number.isInteger(backlog) && (backlog as number) > 0 ? (backlog as number) : 0;
    const cfg = new ListenConfig({ ...options, backlog: envBacklog ?? Math.min(asked, MAX_BACKLOG) });
    // Node's choice of socket: no host is '::' dual-stack, or 0.0.0.0 where
    // IPv6 is missing; an IPv4 host is AF_INET; an IPv6 one AF_INET6,
    // IPv6-only with ipv6Only.
    // No host with ipv6Only (Node 22 passes the flag on) is '::' IPv6-only.
    let network: Network;
    let la: TCPAddrParts;
    let mapped: string | undefined;
    if (!address) {
      network = (flags & UV_TCP_IPV6ONLY) !== 0 ? 'tcp6' : 'tcp';
      la = { ip: network === 'tcp6' ? '::' : '', zone: '', port };
    } else {
      const [ip, zone = ''] = address.split('%');
      network = addressType === 4 || net.isIPv4(ip) ? 'tcp4' : (flags & UV_TCP_IPV6ONLY) !== 0 ? 'tcp6' : 'tcp';
      la = { ip, zone, port };
      // An IPv4-mapped host is bound as its IPv4 address (Go's rule), and
      // reported as Node reports it: the IPv6 text.
      if (network === 'tcp' && /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(ip)) mapped = ip;
    }
    let ln: TCPListener;
    let shown = address || '::';
    try {
      try {
        ln = cfg.listenTCPSync(network, la);
      } catch (e) {
        // libuv reports EADDRINUSE at listen(2), so Node keeps '::'; any
        // other failure on '::' makes Node try 0.0.0.0.
        if (address || syscallErrorOf(e)?.code === 'EADDRINUSE') throw e;
        shown = '0.0.0.0';
        ln = cfg.listenTCPSync('tcp4', { ip: '0.0.0.0', zone: '', port });
      }
    } catch (e) {
      const se = syscallErrorOf(e);
      const err = se !== undefined ? uvException(se.errno, shown, port) : (e as Error);
      if (listenChannel.error.hasSubscribers) listenChannel.error.publish({ server: this, error: err });
      process.nextTick(() => this.emit('error', err));
      return;
    }
    if (mapped !== undefined) shownIP.set(ln, mapped);
    serve(ln, this);
    if (trace !== undefined) {
      try {
        fs.appendFileSync(trace, `${process.pid} ${String(ln.addr())}\n`);
      } catch {
        // A trace that cannot be written changes nothing the program sees.
      }
    }
    if (listenChannel.asyncEnd.hasSubscribers) listenChannel.asyncEnd.publish({ server: this });
  };
  proto._listen2 = listen2;
  return () => {
    if (proto._listen2 === listen2) proto._listen2 = nodeListen2;
  };
}

/** Removes the hook: later listen() calls are Node's own again. */
export const unregister = register();
