// connections(): Go's accept-retry loop (net/http's Server.Serve) as an
// async iterator, written out by hand rather than as an async generator:
// `for await (const conn of ln)` is the README's idiom and sits on the
// accept path (issue 13), where a generator spends per connection its own
// request object and promise, the await of accept(), and the await that
// `yield` does on the yielded socket. Here next() is one promise: on a
// listener with acceptInto (the engine's, stream-listener.ts) the
// listener's callbacks settle it directly; on any other Listener it is one
// then() on accept()'s promise. On top of that, as the generator would:
// Go's backoff on temporary errors, a close() that cancels the pause, and
// calls queued behind a next() still waiting (a return() takes effect once
// that next() has settled).
import { AsyncResource } from 'node:async_hooks';
import type * as net from 'node:net';
import { Backoff } from './backoff';
import { ErrClosed, OpError, retryableAcceptError } from './errors';

/**
 * What the iterator needs of its listener. `acceptInto`, where there is
 * one (the engine's), hands the connection to a callback, so a next() is
 * one promise, its own, instead of accept()'s and a then() on it.
 */
export interface AcceptSource {
  accept(): Promise<net.Socket>;
  acceptInto?(resolve: (s: net.Socket) => void, reject: (e: Error) => void): void;
}

type Call =
  | { kind: 'next'; resolve: (r: IteratorResult<net.Socket>) => void; reject: (e: unknown) => void }
  | { kind: 'return'; value: unknown; resolve: (r: IteratorResult<net.Socket>) => void; reject: (e: unknown) => void }
  | { kind: 'throw'; value: unknown; resolve: (r: IteratorResult<net.Socket>) => void; reject: (e: unknown) => void };

export class ConnectionIterator implements AsyncIterableIterator<net.Socket> {
  readonly #ln: AcceptSource;
  readonly #onError: (err: OpError, retryInMs: number) => void;
  readonly #pause: (ms: number) => Promise<void>;
  readonly #backoff = new Backoff();
  #done = false;
  #busy = false;
  // Calls made while a next() was waiting, in order (an async generator's
  // request queue); undefined while there are none, the usual case.
  #queued: Call[] | undefined;

  /**
   * `pause(ms)` waits out a retry pause and must resolve at once when the
   * listener closes; the accept after it then ends the iteration.
   */
  constructor(
    ln: AcceptSource,
    onError: (err: OpError, retryInMs: number) => void,
    pause: (ms: number) => Promise<void>,
  ) {
    this.#ln = ln;
    // onError may be called from the native accept callback: it runs in
    // the async context the iteration started in (AsyncLocalStorage).
    this.#onError = AsyncResource.bind(onError);
    this.#pause = pause;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<net.Socket>> {
    if (this.#busy) return this.#enqueue('next', undefined);
    if (this.#done) return Promise.resolve({ value: undefined, done: true });
    this.#busy = true;
    return this.#accept();
  }

  // Ends the iteration; queued behind a next() still waiting, as an async
  // generator's return() is (the connection that next() gets is its caller's).
  return(value?: unknown): Promise<IteratorResult<net.Socket>> {
    if (this.#busy) return this.#enqueue('return', value);
    this.#done = true;
    return Promise.resolve(value).then((v) => ({ value: v as undefined, done: true as const }));
  }

  throw(err?: unknown): Promise<IteratorResult<net.Socket>> {
    if (this.#busy) return this.#enqueue('throw', err);
    this.#done = true;
    return Promise.reject(err);
  }

  #enqueue(kind: Call['kind'], value: unknown): Promise<IteratorResult<net.Socket>> {
    return new Promise((resolve, reject) => {
      (this.#queued ??= []).push({ kind, value, resolve, reject } as Call);
    });
  }

  // One accept, and its retries after temporary errors. A then() with the
  // two handlers made once, not an async function: per connection that is
  // one promise and one result object more than an accept() loop spends
  // (an async next() measured about 500 heap bytes more per connection,
  // the async generator 580; bench/servers/node.mjs counts them).
  #accept(): Promise<IteratorResult<net.Socket>> {
    if (this.#ln.acceptInto !== undefined) return new Promise(this.#into);
    let p: Promise<net.Socket>;
    try {
      p = Promise.resolve(this.#ln.accept());
    } catch (e) {
      p = Promise.reject(e);
    }
    return p.then(this.#onConn, this.#onFail);
  }

  // The callback path (acceptInto): next()'s promise is settled by the
  // listener's callbacks, directly, also after retries (a next() resolved
  // with a promise chain would settle after calls queued behind it). They
  // can run inside the native accept callback, so calls queued behind this
  // next() are drained in a microtask, not in there (their accepts would
  // re-enter the acceptor); the microtask is queued before this next()
  // settles, which keeps their order.
  #resolve: ((r: IteratorResult<net.Socket>) => void) | undefined;
  #reject: ((e: unknown) => void) | undefined;
  readonly #into = (resolve: (r: IteratorResult<net.Socket>) => void, reject: (e: unknown) => void): void => {
    this.#resolve = resolve;
    this.#reject = reject;
    this.#callInto();
  };

  readonly #callInto = (): void => {
    try {
      this.#ln.acceptInto!(this.#intoConn, this.#intoFail);
    } catch (e) {
      this.#intoFail(e);
    }
  };

  // Settles next()'s promise and lets go of its resolvers, which would
  // keep the last connection reachable.
  #settleInto(r: IteratorResult<net.Socket> | undefined, err?: unknown): void {
    const resolve = this.#resolve!;
    const reject = this.#reject!;
    this.#resolve = this.#reject = undefined;
    if (r === undefined) reject(err);
    else resolve(r);
  }

  readonly #intoConn = (conn: net.Socket): void => {
    this.#backoff.reset();
    this.#settledLater();
    this.#settleInto({ value: conn, done: false });
  };

  readonly #intoFail = (e: unknown): void => {
    let r: IteratorResult<net.Socket> | number;
    try {
      r = this.#failure(e, true);
    } catch (thrown) {
      return this.#settleInto(undefined, thrown);
    }
    if (typeof r === 'number') void this.#pause(r).then(this.#callInto, this.#intoFail);
    else this.#settleInto(r);
  };

  readonly #onConn = (conn: net.Socket): IteratorResult<net.Socket> => {
    this.#backoff.reset();
    this.#settled();
    return { value: conn, done: false };
  };

  readonly #onFail = (e: unknown): IteratorResult<net.Socket> | Promise<IteratorResult<net.Socket>> => {
    const r = this.#failure(e, false);
    return typeof r === 'number' ? this.#pause(r).then(() => this.#accept()) : r;
  };

  // What a failed accept means: the pause before trying again (Go's
  // backoff, reported to onError), or the end: a result (closed) or a
  // throw (a fatal error, a throwing onError).
  #failure(e: unknown, later: boolean): IteratorResult<net.Socket> | number {
    if (e instanceof OpError && e.err === ErrClosed) return this.#end(later, { value: undefined, done: true });
    if (!retryableAcceptError(e)) return this.#end(later, undefined, e);
    const ms = this.#backoff.next();
    try {
      this.#onError(e, ms);
    } catch (thrown) {
      return this.#end(later, undefined, thrown);
    }
    return ms;
  }

  // The iteration is over: closed (a result), or a fatal accept error or a
  // throwing onError (thrown).
  #end(later: boolean, result: IteratorResult<net.Socket> | undefined, err?: unknown): IteratorResult<net.Socket> {
    this.#done = true;
    if (later) this.#settledLater();
    else this.#settled();
    if (result === undefined) throw err;
    return result;
  }

  // #settled() for the callback path. With calls queued, the iterator
  // stays busy until the microtask, so a call made in between queues
  // behind them.
  #settledLater(): void {
    if (this.#queued === undefined) this.#busy = false;
    else queueMicrotask(() => this.#settled());
  }

  // The next() in progress has its answer. Calls queued behind it run now,
  // before its promise settles; theirs settle after it, so their callers
  // see them in the order they made them.
  #settled(): void {
    this.#busy = false;
    if (this.#queued !== undefined) this.#drain();
  }

  #drain(): void {
    const q = this.#queued!;
    this.#queued = undefined;
    let i = 0;
    for (; i < q.length && !this.#busy; i++) {
      const c = q[i];
      const r = c.kind === 'next' ? this.next() : c.kind === 'return' ? this.return(c.value) : this.throw(c.value);
      r.then(c.resolve, c.reject);
    }
    if (i < q.length) (this.#queued ??= []).unshift(...q.slice(i));
  }
}

/**
 * connections()'s options, checked as Node checks options: the onError to
 * use (`fallback` when none is given). One rule for Listener and
 * LimitListener.
 */
export function connectionsOnError(
  options: { onError?: unknown },
  fallback: (err: OpError, retryInMs: number) => void,
): (err: OpError, retryInMs: number) => void {
  if (typeof options !== 'object' || options === null) {
    throw Object.assign(new TypeError('The "options" argument must be of type object.'), {
      code: 'ERR_INVALID_ARG_TYPE',
    });
  }
  const onError = options.onError ?? fallback;
  if (typeof onError !== 'function') {
    throw Object.assign(new TypeError('The "options.onError" property must be of type function.'), {
      code: 'ERR_INVALID_ARG_TYPE',
    });
  }
  return onError as (err: OpError, retryInMs: number) => void;
}
