// maxListenerBacklog on Windows, and how a backlog becomes the argument of
// Winsock's listen(): plain up to 199, SOMAXCONN_HINT(n) from 200 on.

/** Winsock's SOMAXCONN_HINT(65535): the largest queue Windows will build. */
export const SOMAXCONN_HINT_MAX = 65535;

/**
 * The smallest queue SOMAXCONN_HINT gives: Windows raises a hint below 200
 * to 200, so smaller backlogs are passed as plain numbers instead.
 */
export const SOMAXCONN_HINT_MIN = 200;

/**
 * The default backlog on Windows: 65535.
 *
 * Go's sock_windows.go returns syscall.SOMAXCONN (0x7fffffff), which
 * listen() takes as "a reasonable maximum" and Winsock turns into about 200.
 * This package instead uses SOMAXCONN_HINT(65535), so the default is the
 * largest queue Windows allows; the listener maps it to the hint when it
 * calls listen() (see windowsListenBacklog). This function only states the
 * number.
 */
export function windowsMaxListenerBacklog(): number {
  return SOMAXCONN_HINT_MAX;
}

/**
 * winsock2.h's SOMAXCONN_HINT(b): the backlog argument `-b`, which asks
 * Windows for a queue of b, clamped to 200..65535. (A plain argument above
 * about 200 is cut to about 200: Go issue 39000, Node issue 38736.)
 */
export function somaxconnHint(b: number): number {
  return -b;
}

/** What listen() is called with for a backlog option, and what applies. */
export interface WindowsListenBacklog {
  /** The backlog asked for: the option, or maxListenerBacklog() for 0. */
  requested: number;
  /** The argument passed to Winsock's listen(): n, or SOMAXCONN_HINT(n) = -n. */
  arg: number;
  /** The queue length Windows builds from arg (Windows cannot be asked). */
  effective: number;
}

/**
 * Maps a ListenConfig backlog option (a validated integer 0..2^31-1) to
 * Winsock's listen() argument:
 *
 * | option       | requested | listen() argument       | effective |
 * | ------------ | --------- | ----------------------- | --------- |
 * | 0 (absent)   | 65535     | SOMAXCONN_HINT(65535)   | 65535     |
 * | 1..199       | n         | n                       | n         |
 * | 200..65535   | n         | SOMAXCONN_HINT(n)       | n         |
 * | above 65535  | n         | SOMAXCONN_HINT(65535)   | 65535     |
 *
 * 1..199 stay plain because SOMAXCONN_HINT would raise them to 200; from
 * 200 on only the hint gets a queue longer than Winsock's ~200 default.
 */
export function windowsListenBacklog(option: number): WindowsListenBacklog {
  const requested = option === 0 ? windowsMaxListenerBacklog() : option;
  if (requested < SOMAXCONN_HINT_MIN) return { requested, arg: requested, effective: requested };
  const effective = Math.min(requested, SOMAXCONN_HINT_MAX);
  return { requested, arg: somaxconnHint(effective), effective };
}
