// The connect engine of `listenconfig burst`: N TCP connects issued
// together, each held open until every one has finished, then all closed
// with an RST. It must not be the bottleneck of what it measures, so the
// per-connection work is kept to what net.Socket needs: one object per
// connection, shared handlers (no closures), one deadline timer for all of
// them, and connects issued in slices across event-loop turns so that
// completions are seen (and timed) between slices, as the bench's C
// generator does (bench/src/loadgen.c).
import * as net from 'node:net';

/** What became of one connect. */
// biome-ignore lint/suspicious/noConstEnum: inlined into the hot connect loop; nothing outside lib/cli imports it
export const enum Outcome {
  Pending = 0,
  Completed = 1,
  /** ECONNREFUSED or ECONNRESET: nothing listens, or the server reset the handshake. */
  Refused = 2,
  /** No connect within the timeout (a dropped SYN is retransmitted after 1 s, 3 s, 7 s…). */
  TimedOut = 3,
  /** Any other error: EADDRNOTAVAIL (no ephemeral port left), EMFILE, ENETUNREACH… */
  Error = 4,
}

export interface BurstOptions {
  /** A numeric IP address (with `%zone` for a scoped IPv6 one). */
  ip: string;
  port: number;
  n: number;
  /** Connects in flight at most; established connections do not count. */
  concurrency: number;
  timeoutMs: number;
  /** Called after every connect that finished: must be cheap. */
  onSettle?: (b: Burst) => void;
}

// Connects started per event-loop turn at most. A connection's time runs
// from its connect(2) to its 'connect' event, which JavaScript sees only
// after the slice it belongs to was issued: smaller slices time more
// truly, larger ones cost more turns. 32 keeps the inflation under about a
// millisecond here at the full rate.
const SLICE = 32;

/** net.Socket with the index of its connection: the handlers are shared. */
class BurstSocket extends net.Socket {
  index = -1;
  burst: Burst | undefined;
}

function onAttempt(this: BurstSocket): void {
  // 'connectionAttempt' (Node >= 20.12) is emitted right before connect(2):
  // net issues the connect on the next tick, after the whole slice was built.
  this.burst!.startedAt[this.index] = performance.now();
}
function onConnect(this: BurstSocket): void {
  this.burst!.settle(this.index, Outcome.Completed, '');
}
function onError(this: BurstSocket, err: NodeJS.ErrnoException): void {
  // Also the late errors of a held connection (a reset after the handshake):
  // settle() ignores connections that already have an outcome.
  const code = err.code ?? err.name;
  this.burst!.settle(
    this.index,
    code === 'ECONNREFUSED' || code === 'ECONNRESET' ? Outcome.Refused : Outcome.Error,
    code,
  );
}

export class Burst {
  readonly n: number;
  readonly outcome: Uint8Array;
  /** When each connect was issued (performance.now()). */
  readonly startedAt: Float64Array;
  /** Connect time in ms of each completed connection, NaN for the others. */
  readonly connectMs: Float64Array;
  /** Failed connects by error code (ECONNREFUSED, EADDRNOTAVAIL…). */
  readonly codes = new Map<string, number>();
  completed = 0;
  refused = 0;
  timedOut = 0;
  errors = 0;
  started = 0;
  finished = 0;
  /** performance.now() of the first connect issued and of the last outcome. */
  firstAt = NaN;
  lastAt = NaN;
  interrupted = false;

  readonly #opts: BurstOptions;
  readonly #sockets: Array<BurstSocket | undefined>;
  #inflight = 0;
  #scheduled = false;
  // The one deadline timer: connects time out in the order they started,
  // so it only ever waits for the oldest one still connecting.
  #timer: NodeJS.Timeout | undefined;
  #oldest = 0;
  #done!: () => void;
  readonly finishedAll: Promise<void>;

  constructor(opts: BurstOptions) {
    this.#opts = opts;
    this.n = opts.n;
    this.outcome = new Uint8Array(opts.n);
    this.startedAt = new Float64Array(opts.n);
    this.connectMs = new Float64Array(opts.n).fill(NaN);
    this.#sockets = new Array(opts.n);
    this.finishedAll = new Promise((resolve) => (this.#done = resolve));
  }

  /** Issues the connects; resolves once every one has an outcome. */
  run(): Promise<void> {
    this.firstAt = performance.now();
    this.#slice();
    return this.finishedAll;
  }

  get elapsedMs(): number {
    return this.finished === 0 ? 0 : this.lastAt - this.firstAt;
  }

  #schedule(): void {
    if (this.#scheduled || this.started === this.n || this.#inflight >= this.#opts.concurrency) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#slice();
    });
  }

  #slice(): void {
    if (this.interrupted) return;
    const { ip, port, concurrency } = this.#opts;
    const end = Math.min(this.n, this.started + SLICE, this.started + concurrency - this.#inflight);
    while (this.started < end) {
      const i = this.started++;
      const s = new BurstSocket();
      s.index = i;
      s.burst = this;
      // Never read: a held connection then costs nothing until it is reset,
      // whatever the server sends or however it closes.
      s.pause();
      s.on('connectionAttempt', onAttempt);
      s.on('connect', onConnect);
      s.on('error', onError);
      this.#sockets[i] = s;
      this.#inflight++;
      this.startedAt[i] = performance.now();
      s.connect(port, ip);
    }
    if (this.#timer === undefined) this.#armTimer(performance.now());
    this.#schedule();
  }

  /** Records connection i's outcome; later events of a settled connection are ignored. */
  settle(i: number, outcome: Outcome, code: string): void {
    if (this.outcome[i] !== Outcome.Pending) return;
    const now = performance.now();
    this.outcome[i] = outcome;
    this.#inflight--;
    this.finished++;
    this.lastAt = now;
    switch (outcome) {
      case Outcome.Completed:
        this.completed++;
        this.connectMs[i] = now - this.startedAt[i];
        break;
      case Outcome.TimedOut:
        this.timedOut++;
        break;
      default:
        if (outcome === Outcome.Refused) this.refused++;
        else this.errors++;
        this.codes.set(code, (this.codes.get(code) ?? 0) + 1);
        this.#sockets[i] = undefined; // net destroyed it already
    }
    this.#opts.onSettle?.(this);
    if (this.finished === this.n) this.#finish();
    else this.#schedule();
  }

  #armTimer(now: number): void {
    const s = this.startedAt;
    while (this.#oldest < this.started && this.outcome[this.#oldest] !== Outcome.Pending) this.#oldest++;
    if (this.#oldest === this.started) return; // re-armed by the next slice
    const wait = Math.max(0, s[this.#oldest] + this.#opts.timeoutMs - now);
    this.#timer = setTimeout(() => this.#expire(), Math.ceil(wait));
  }

  #expire(): void {
    this.#timer = undefined;
    const now = performance.now();
    const deadline = now - this.#opts.timeoutMs;
    for (let i = this.#oldest; i < this.started && this.startedAt[i] <= deadline; i++) {
      if (this.outcome[i] !== Outcome.Pending) continue;
      // destroy(), not an RST: the connection never got established.
      this.#sockets[i]!.destroy();
      this.#sockets[i] = undefined;
      this.settle(i, Outcome.TimedOut, '');
    }
    if (this.finished < this.n && this.#timer === undefined) this.#armTimer(performance.now());
  }

  #finish(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#done();
  }

  /**
   * Closes every connection still open: the established ones with an RST
   * (SO_LINGER 0, so neither side keeps TIME_WAIT; Node >= 18.3), the ones
   * still connecting with a plain close.
   */
  closeAll(): void {
    for (let i = 0; i < this.n; i++) {
      const s = this.#sockets[i];
      if (s === undefined) continue;
      this.#sockets[i] = undefined;
      if (s.destroyed) continue;
      if (this.outcome[i] === Outcome.Completed && typeof s.resetAndDestroy === 'function') s.resetAndDestroy();
      else s.destroy();
    }
  }

  /** Stops issuing connects, closes everything and resolves run(): for Ctrl-C. */
  interrupt(): void {
    this.interrupted = true;
    this.closeAll();
    this.#finish();
  }
}
