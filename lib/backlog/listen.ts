// The backlog option -> the argument of listen() and the queue it gives,
// per OS. POSIX passes the number through and the kernel clamps it to
// maxListenerBacklog(); Windows needs SOMAXCONN_HINT for anything above ~200.
import { maxListenerBacklog } from './index';
import { windowsListenBacklog } from './windows';

/** A backlog option resolved for listen(). */
export interface ListenBacklog {
  /** The backlog asked for: the option, or maxListenerBacklog() for 0. */
  requested: number;
  /** The argument given to listen(); negative on Windows: SOMAXCONN_HINT. */
  arg: number;
  /**
   * The queue length expected after the OS's clamp, for OSes that cannot
   * report it (Linux reports the real one through TCP_INFO, which wins).
   */
  effective: number;
}

/**
 * Resolves a validated backlog option (0..2^31-1) for `platform`: on win32
 * see windowsListenBacklog; elsewhere arg is the requested number and
 * effective is min(requested, maxListenerBacklog()), as BSD, macOS and
 * Linux clamp to somaxconn.
 */
export function listenBacklog(option: number, platform: string = process.platform): ListenBacklog {
  if (platform === 'win32') return windowsListenBacklog(option);
  const max = maxListenerBacklog();
  const requested = option === 0 ? max : option;
  return { requested, arg: requested, effective: Math.min(requested, max) };
}
