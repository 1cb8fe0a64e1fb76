// One deadline (Go's SetDeadline, SetReadDeadline, SetWriteDeadline) for
// every socket type of the package: listeners and message sockets. Go
// keeps a runtime timer per deadline that wakes the goroutines blocked on
// the descriptor (internal/poll/fd_poll_runtime.go); here a timer wakes the
// pending operations through onExpire, and expired() is what a new
// operation checks before it waits.
import { describe } from './validate';

// setTimeout's largest delay; a later deadline re-arms on the way.
const MAX_DELAY = 2 ** 31 - 1;

/**
 * A deadline argument: a Date, or null for none (Go's zero time.Time). An
 * Invalid Date is refused rather than read as "never" or "now".
 */
export function validateDeadline(name: string, v: unknown): asserts v is Date | null {
  if (v === null) return;
  if (!(v instanceof Date)) {
    throw Object.assign(
      new TypeError(`The "${name}" argument must be an instance of Date or null. Received ${describe(v)}`),
      { code: 'ERR_INVALID_ARG_TYPE' },
    );
  }
  if (Number.isNaN(v.getTime())) {
    throw Object.assign(new TypeError(`The argument '${name}' is an invalid Date. Received ${v}`), {
      code: 'ERR_INVALID_ARG_VALUE',
    });
  }
}

export class Deadline {
  #at: number | undefined;
  #timer: NodeJS.Timeout | undefined;
  readonly #onExpire: () => void;

  /** onExpire runs when the deadline passes, or at once when set in the past. */
  constructor(onExpire: () => void) {
    this.#onExpire = onExpire;
  }

  /**
   * A Date, or null for none. A pending operation fails when the time
   * comes; a time already past fails it now. Validated as `name`.
   */
  set(t: unknown, name = 'deadline'): void {
    validateDeadline(name, t);
    this.clear();
    if (t === null) return;
    this.#at = t.getTime();
    this.#arm();
  }

  /** Whether an operation starting now fails at once. */
  expired(): boolean {
    return this.#at !== undefined && Date.now() >= this.#at;
  }

  /** Forgets the deadline and its timer (set(null), and close()). */
  clear(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#at = undefined;
  }

  #arm(): void {
    const left = (this.#at as number) - Date.now();
    if (left <= 0) {
      this.#timer = undefined;
      this.#onExpire();
      return;
    }
    // Unref'd: a pending operation keeps the process alive, its deadline
    // does not (a socket nobody waits on must not hold the loop). And held
    // weakly: an armed timer is a GC root, and through onExpire it would
    // keep an idle socket dropped by its owner reachable until it fires.
    // A pending operation keeps the socket (and so this) alive anyway.
    const self = new WeakRef(this);
    this.#timer = setTimeout(
      () => {
        const d = self.deref();
        if (d !== undefined) d.#arm();
      },
      Math.min(left, MAX_DELAY),
    );
    this.#timer.unref();
  }
}
