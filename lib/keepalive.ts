// Go's keep-alive rules for accepted connections (net/tcpsock.go,
// TCPListener.accept and SetKeepAliveConfig, Go 1.23+; Go 1.19 has only
// KeepAlive and the same defaults). Durations are milliseconds here.

/** Go's net.KeepAliveConfig, durations in milliseconds. */
export interface KeepAliveConfig {
  /** Turns keep-alive on; when true this config wins over `keepAlive`. */
  enable?: boolean;
  /** Idle time before the first probe. 0: 15 s; negative: the OS default. */
  idle?: number;
  /** Time between probes. 0: 15 s; negative: the OS default. */
  interval?: number;
  /** Unanswered probes before the connection drops. 0: 9; negative: the OS default. */
  count?: number;
}

// Go's defaultTCPKeepAliveIdle, defaultTCPKeepAliveInterval, defaultTCPKeepAliveCount.
export const DEFAULT_IDLE_MS = 15_000;
export const DEFAULT_INTERVAL_MS = 15_000;
export const DEFAULT_COUNT = 9;

/**
 * The socket options set on each accepted connection, in the native
 * acceptor's order: [SO_KEEPALIVE, TCP_KEEPIDLE s, TCP_KEEPINTVL s,
 * TCP_KEEPCNT, TCP_NODELAY]; -1 leaves an option alone.
 */
export type ConnOptions = [keepAlive: number, idle: number, interval: number, count: number, noDelay: boolean];

/** Connection options that leave every option alone. */
export const NO_CONN_OPTIONS: ConnOptions = [-1, -1, -1, -1, false];

/**
 * The ConnOptions of a config's keepAlive and keepAliveConfig. As in Go:
 * a config with `enable` wins; otherwise a `keepAlive` >= 0 (0 when
 * absent) turns keep-alive on with that idle time; a negative `keepAlive`
 * without an enabled config leaves keep-alive off. TCP_NODELAY is always
 * set, as Go's newTCPConn does.
 */
export function connOptions(keepAlive: number | undefined, config: KeepAliveConfig | undefined): ConnOptions {
  let ka: KeepAliveConfig = config ?? {};
  if (ka.enable !== true && (keepAlive ?? 0) >= 0) ka = { enable: true, idle: keepAlive ?? 0 };
  if (ka.enable !== true) return [-1, -1, -1, -1, true];
  return [
    1,
    seconds(ka.idle ?? 0, DEFAULT_IDLE_MS),
    seconds(ka.interval ?? 0, DEFAULT_INTERVAL_MS),
    count(ka.count ?? 0),
    true,
  ];
}

// The kernel takes whole seconds: round up, as Go's roundDurationUp.
function seconds(ms: number, dflt: number): number {
  if (ms < 0) return -1;
  const s = Math.ceil((ms === 0 ? dflt : ms) / 1000);
  return Math.min(s, 2 ** 31 - 1);
}

function count(n: number): number {
  if (n < 0) return -1;
  return Math.min(n === 0 ? DEFAULT_COUNT : n, 2 ** 31 - 1);
}
