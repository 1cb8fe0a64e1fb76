// StreamListener: the pull-accept engine every stream listener of this
// package shares (TCPListener in tcpsock.ts, UnixListener in unixsock.ts).
// The native acceptor watches the listening socket only while an accept()
// is pending, so with nobody accepting, connections wait in the kernel's
// queue and the backlog is exactly what listen(2) was given.
import type * as net from 'node:net';
import { Pauses } from './backoff';
import { type AcceptSource, ConnectionIterator, connectionsOnError } from './connections';
import { dropped, handled, warnAcceptError } from './lifecycle';
import { Deadline, validateDeadline } from './deadline';
import { AbortError, ErrClosed, ErrDeadlineExceeded, OpError, SyscallError, type Addr } from './errors';
import type { AcceptOptions, Backlog, ConnectionsOptions } from './listener';
import { binding, type NativeAcceptor, type Sock } from './native';
import type { ConnOptions } from './keepalive';
import { validateListenOptions } from './validate';
import { ValidRawConn, type RawConn } from './rawconn';

// What starting the watcher calls underneath (uv_poll_start), named as Go
// names its poller's failures.
const POLL_SYSCALL =
  process.platform === 'linux' ? 'epoll_ctl' : process.platform === 'win32' ? 'uv_poll_start' : 'kevent';

// resolve takes the listener's connection type C (net.Socket, or a UnixConn
// for unixpacket), erased to unknown so that the record and the listener's
// type stay independent of C; only #adoptSlot's C reaches it.
interface Pending {
  resolve: (s: unknown) => void;
  reject: (e: Error) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  promise: Promise<unknown> | undefined;
}

// new Promise(capture) hands its resolving functions over in `captured`,
// a fresh Pending record that accept() takes at once.
// `never`: the resolve of a Promise<C>, whatever C, fits the parameter.
let captured: Pending | undefined;
function capture(resolve: (s: never) => void, reject: (e: Error) => void): void {
  captured = {
    resolve: resolve as (s: unknown) => void,
    reject,
    signal: undefined,
    onAbort: undefined,
    promise: undefined,
  };
}

/** @internal what a network's listen hands to the engine. */
export interface StreamListenerInit<A extends Addr, C = net.Socket> {
  sock: Sock;
  network: string;
  addr: A;
  backlog: Backlog;
  connOptions: ConnOptions;
  /** The kernel's accept queue now, where the OS says (TCP on Linux). */
  queue: () => number | undefined;
  /**
   * An accepted descriptor -> net.Socket (a TCP or a pipe handle, adopt.ts),
   * or a UnixConn (unixpacket). `options`: serve()'s net.Server options.
   */
  adopt: (fd: Sock, slots: Int32Array, slot: number, options?: net.SocketConstructorOpts) => C;
}

/**
 * The pull-accept engine of a listening stream socket: accept(),
 * connections(), close(), addr(), syscallConn(), queued(), ref()/unref().
 *
 * Pull semantics: a connection leaves the kernel's accept queue only while
 * an `accept()` is pending; each wake-up takes at most `Listener.acceptBatch`
 * connections, so at most `acceptBatch - 1` wait in this object ahead of an
 * accept() call (they count in `queued()`, and are closed by `close()`).
 */
// C is net.Socket but for unixpacket, whose connections are UnixConns: a
// StreamListener<A, net.Socket> is a Listener (tcpsock.ts says so).
export abstract class StreamListener<A extends Addr = Addr, C = net.Socket> {
  /** Connections taken from the kernel per wake-up at most. */
  static readonly acceptBatch: number = binding.Acceptor.batch;

  /** Whether close() has run. */
  protected get closed(): boolean {
    return this.#closed;
  }

  /** The backlog passed to listen(2) and the one in force. */
  readonly backlog: Backlog;

  readonly #sock: Sock;
  readonly #network: string;
  readonly #addr: A;
  readonly #adopt: StreamListenerInit<A, C>['adopt'];
  readonly #acceptor: NativeAcceptor;
  // The last batch, written by the native acceptor. Slots [#readyAt,
  // #readyEnd) hold sockets taken from the kernel and not yet handed out.
  // A slot keeps its socket until a net.Socket owns it (or it is closed),
  // then reads -1: the native side closes every socket left when a worker's
  // environment goes away without close(), even one terminated mid-adopt.
  // A wake-up finds them all handed out: the watcher is armed only with
  // this range empty.
  readonly #out = new Int32Array(binding.Acceptor.batch); // the Acceptor fills it with -1
  #readyAt = 0;
  #readyEnd = 0;
  readonly #pending: Pending[] = [];
  readonly #queue: () => number | undefined;
  #connOptions: ConnOptions;
  #socketOptions: net.SocketConstructorOpts | undefined;
  #closed = false;
  #ref = true;

  /** @internal use ListenConfig.listen. */
  constructor(init: StreamListenerInit<A, C>) {
    this.#sock = init.sock;
    this.#network = init.network;
    this.#addr = init.addr;
    this.#adopt = init.adopt;
    this.backlog = Object.freeze({ ...init.backlog });
    this.#queue = init.queue;
    this.#connOptions = init.connOptions;
    const what = `${init.network} ${String(init.addr)}`;
    // The Acceptor owns the socket once made: nothing after it may throw,
    // or socket()'s failure tail (sock.ts) would close the Acceptor's socket.
    this.#acceptor = new binding.Acceptor(init.sock, init.connOptions, this.#out, this.#onAccept);
    dropped.register(this, { acceptor: new WeakRef(this.#acceptor), what }, this);
  }

  /**
   * Waits for the next connection and returns it as a net.Socket. Rejects
   * with an OpError wrapping ErrClosed once the listener is closed
   * (`accept tcp 127.0.0.1:8080: use of closed network connection`), or an
   * AbortError when `signal` aborts. Other errors are Go's: a temporary
   * one (`err.temporary()`, EMFILE say) may succeed if tried again later;
   * `connections()` and `serve()` do that with Go's backoff, a bare
   * accept() loop must pause itself or it spins.
   *
   * An accept rejected because the listener was closed counts as handled:
   * one left pending on purpose does not become an unhandled rejection.
   * That covers the promise returned here only; one chained from it
   * (`ln.accept().then(f)`) rejects as chained promises do, so such code
   * wants a catch, or `connections()`, which ends quietly on close.
   */
  accept(options?: AcceptOptions): Promise<C> {
    let signal: AbortSignal | undefined;
    try {
      // The same rules as listen()'s: a look-alike signal would fail later,
      // inside addEventListener.
      signal = validateListenOptions(options, 'AcceptOptions');
    } catch (e) {
      return Promise.reject(e);
    }
    if (this.#closed) return handled(Promise.reject(this.closedError('accept')));
    if (signal?.aborted) return Promise.reject(new AbortError(signal));
    if (this.#deadline.expired()) return Promise.reject(this.#timeoutError());
    if (this.#readyAt < this.#readyEnd) {
      try {
        return Promise.resolve(this.#adoptSlot(this.#readyAt++));
      } catch (e) {
        return Promise.reject(new OpError('accept', this.#network, this.#addr, e as Error));
      }
    }
    // The promise's executor is shared and nothing here is captured by a
    // closure, so a pending accept allocates the promise, its resolving
    // functions and the Pending record only (issue 13: at one client every
    // accept waits).
    const promise = new Promise<C>(capture);
    const p = captured!;
    captured = undefined;
    p.signal = signal;
    p.promise = promise;
    if (signal !== undefined) this.#watchAbort(p, signal);
    this.#wait(p);
    return promise;
  }

  /**
   * @internal accept() for connections(): the connection, or the error,
   * goes to a callback, without a promise of its own (the iterator's next()
   * has one already). Called from the native callback or synchronously;
   * no signal.
   */
  acceptInto(resolve: (s: C) => void, reject: (e: Error) => void): void {
    if (this.#closed) return reject(this.closedError('accept'));
    if (this.#deadline.expired()) return reject(this.#timeoutError());
    if (this.#readyAt < this.#readyEnd) {
      let conn: C;
      try {
        conn = this.#adoptSlot(this.#readyAt++);
      } catch (e) {
        return reject(new OpError('accept', this.#network, this.#addr, e as Error));
      }
      return resolve(conn);
    }
    this.#wait({
      resolve: resolve as (s: unknown) => void,
      reject,
      signal: undefined,
      onAbort: undefined,
      promise: undefined,
    });
  }

  // Queues pending accept p and starts the watcher; a watcher that cannot
  // start rejects p.
  #wait(p: Pending): void {
    this.#pending.push(p);
    let failure: Error | undefined;
    try {
      const r = this.#acceptor.start();
      if (r < 0) failure = new OpError('accept', this.#network, this.#addr, new SyscallError(POLL_SYSCALL, r));
    } catch (e) {
      // As from inside an executor: the promise rejects, accept() does not throw.
      failure = e as Error;
    }
    if (failure !== undefined) {
      this.#settle(p);
      this.#pending.pop();
      p.reject(failure);
    }
  }

  // An abort of `signal` withdraws pending accept `p`.
  #watchAbort(p: Pending, signal: AbortSignal): void {
    p.onAbort = () => {
      const i = this.#pending.indexOf(p);
      if (i >= 0) this.#pending.splice(i, 1);
      if (this.#pending.length === 0) this.#acceptor.stop();
      p.reject(new AbortError(signal));
    };
    signal.addEventListener('abort', p.onAbort, { once: true });
  }

  // Called by the native acceptor once per wake-up with n sockets in #out.
  // Stops watching before any promise settles: the microtasks that run
  // after this callback may call accept() again and restart it.
  #onAccept = (n: number, err: number): void => {
    for (let i = 0; i < n; i++) {
      const p = this.#pending.shift();
      if (p === undefined) {
        this.#readyAt = i;
        this.#readyEnd = n;
        break;
      }
      this.#settle(p);
      let conn: C;
      try {
        conn = this.#adoptSlot(i);
      } catch (e) {
        p.reject(new OpError('accept', this.#network, this.#addr, e as Error));
        continue;
      }
      p.resolve(conn);
    }
    if (err !== 0) {
      // EMFILE and the like: the next pending accept reports it, as Go's
      // Accept returns it; later accepts try again.
      const p = this.#pending.shift();
      if (p !== undefined) {
        this.#settle(p);
        p.reject(new OpError('accept', this.#network, this.#addr, new SyscallError('accept', err)));
      }
    }
    if (this.#pending.length === 0) this.#acceptor.stop();
  };

  // Slot i's socket as a net.Socket (or a UnixConn). The slot is cleared
  // the moment its new owner (Node's handle, or the native Watcher, which
  // clears it itself) holds the socket, before any more JavaScript runs: a
  // worker terminated after that must leave the socket to that owner
  // alone, not also to the native cleanup of uncleared slots (a double
  // close). So the catch closes only a socket whose slot still holds it.
  #adoptSlot(i: number): C {
    const fd = this.#out[i];
    const out = this.#out;
    try {
      return this.#adopt(fd, out, i, this.#socketOptions);
    } catch (e) {
      if (out[i] === fd) {
        binding.close(fd);
        out[i] = -1;
      }
      throw e;
    }
  }

  readonly #deadline = new Deadline(() => this.#expire());

  /**
   * Go's SetDeadline: a pending or later accept() fails with Go's
   * `accept tcp ADDR: i/o timeout` (an OpError wrapping
   * ErrDeadlineExceeded, `timeout()` true, code 'ETIMEDOUT') once `t`
   * has passed; a time already past fails them at once; null removes the
   * deadline. A timed-out accept takes nothing from the kernel's queue:
   * the connection waits there for the next accept(). Throws ErrClosed
   * itself (`use of closed network connection`, no OpError around it) on a
   * closed listener, as Go 1.27's TCPListener.SetDeadline returns the
   * poller's error unwrapped (Go 1.19 wrapped it as `set tcp ADDR: …`).
   */
  setDeadline(t: Date | null): void {
    if (this.#closed) {
      validateDeadline('t', t);
      throw ErrClosed;
    }
    this.#deadline.set(t, 't');
  }

  #timeoutError(): OpError {
    return new OpError('accept', this.#network, this.#addr, ErrDeadlineExceeded);
  }

  // The deadline passed: every pending accept times out, and the watcher
  // stops before any connection leaves the kernel's queue.
  #expire(): void {
    if (this.#pending.length === 0) return;
    this.#acceptor.stop();
    for (const p of this.#pending.splice(0)) {
      this.#settle(p);
      p.reject(this.#timeoutError());
    }
  }

  #settle(p: Pending): void {
    if (p.onAbort !== undefined) p.signal?.removeEventListener('abort', p.onAbort);
  }

  /** @internal Go's `OP NET ADDR: use of closed network connection`. */
  protected closedError(op: string): OpError {
    return new OpError(op, this.#network, this.#addr, ErrClosed);
  }

  /** `for await (const conn of ln)`: `connections()` with its defaults. */
  [Symbol.asyncIterator](): AsyncIterator<C> {
    return this.connections()[Symbol.asyncIterator]();
  }

  /**
   * Yields connections until the listener is closed, then ends. A
   * temporary accept error (EMFILE, ENFILE, EINTR, ECONNABORTED, timeouts;
   * also ENOBUFS and ENOMEM, see `retryableAcceptError`) is reported to
   * `onError` and retried after Go's pause, 5 ms doubling to 1 s and back to
   * 5 ms after a success, while the clients wait in the kernel's queue.
   * Other errors end the loop by throwing. Leaving the loop does not close
   * the listener. As with any async generator, a `return()` called while a
   * `next()` is still waiting takes effect after that `next()` settles: a
   * connection accepted then goes to it, so do not race `next()` against a
   * timer and walk away; close the listener, or pass `accept()` a signal.
   */
  connections(options: ConnectionsOptions = {}): AsyncIterable<C> {
    const onError = connectionsOnError(options, warnAcceptError);
    // ConnectionIterator is typed for net.Sockets; it only passes C along.
    const source = this as unknown as AcceptSource;
    return {
      [Symbol.asyncIterator]: () =>
        new ConnectionIterator(source, onError, (ms) => this.#pauseUnlessClosed(ms)) as unknown as AsyncIterator<C>,
    };
  }

  readonly #pauses = new Pauses();
  #pauseUnlessClosed(ms: number): Promise<void> {
    return this.#pauses.wait(ms, this.#ref, this.#closed);
  }

  /**
   * Closes the listening socket and the connections taken from the kernel
   * but not yet accepted. Pending accepts reject with ErrClosed. A second
   * close rejects with `close tcp ADDR: use of closed network connection`,
   * as Go's does; that rejection counts as handled, so a second close that
   * nobody awaits does not end the process (net.Server's second close()
   * reports ERR_SERVER_NOT_RUNNING to its callback only).
   */
  close(): Promise<void> {
    if (this.#closed) return handled(Promise.reject(this.closedError('close')));
    this.#closed = true;
    this.#deadline.clear();
    dropped.unregister(this);
    // Closes the batch's sockets not yet handed out, too.
    const r = this.#acceptor.close();
    this.#readyAt = this.#readyEnd = 0;
    for (const p of this.#pending.splice(0)) {
      this.#settle(p);
      // Only this rejection is pre-handled: an accept left pending on
      // purpose ends quietly at close; its other errors stay the caller's.
      if (p.promise !== undefined) handled(p.promise);
      p.reject(this.closedError('accept'));
    }
    this.#pauses.cancelAll();
    if (r < 0) return Promise.reject(new OpError('close', this.#network, this.#addr, new SyscallError('close', r)));
    return Promise.resolve();
  }

  /**
   * Go's TCPListener.File and UnixListener.File: a close-on-exec duplicate
   * of the listening socket that the caller owns and must close, e.g. to
   * hand on with `spawn(…, { stdio: [0, 1, 2, ln.file()] })` (the child
   * sees descriptor 3; see `fileListener`). Unlike Go's os.File.Fd(), the
   * socket stays non-blocking: O_NONBLOCK belongs to the file description
   * all copies share, and a blocking socket would stall the accept loop of
   * whichever process still pulls from it. Throws Go's
   * `file tcp ADDR: use of closed network connection` once closed, and
   * `file tcp ADDR: not supported by windows` on Windows, as Go does.
   */
  file(): number {
    if (this.#closed) throw this.closedError('file');
    if (process.platform === 'win32') {
      throw new OpError('file', this.#network, this.#addr, new Error('not supported by windows'));
    }
    const d = binding.dupCloexec(this.#sock);
    if (d < 0) throw new OpError('file', this.#network, this.#addr, new SyscallError('fcntl', d));
    return d;
  }

  /** The local address, as Go's Listener.Addr(). */
  addr(): A {
    return this.#addr;
  }

  /** Go's SyscallConn: the listening socket for getsockopt and the like. */
  syscallConn(): RawConn {
    return new ValidRawConn(this.#sock, () => (this.#closed ? this.closedError('raw-control') : undefined));
  }

  /**
   * Connections waiting for accept() now: the kernel's accept queue plus
   * those already taken from it by the last batch. undefined where the OS
   * does not report its queue (everything but Linux), or once closed.
   */
  queued(): number | undefined {
    if (this.#closed) return undefined;
    const q = this.#queue();
    return q === undefined ? undefined : q + (this.#readyEnd - this.#readyAt);
  }

  /** @internal [SO_KEEPALIVE, TCP_KEEPIDLE s, TCP_KEEPINTVL s, TCP_KEEPCNT, TCP_NODELAY] of accepted connections (keepalive.ts). */
  get connOptions(): Readonly<ConnOptions> {
    return this.#connOptions;
  }

  /**
   * @internal serve(): the options of every connection accepted from now
   * on, set once on the listening socket where the OS passes them on
   * (Linux), per connection elsewhere.
   */
  setConnOptions(options: ConnOptions): void {
    if (this.#closed) return;
    const r = binding.inheritConnOptions(this.#sock, options);
    if (r < 0) throw new OpError('set', this.#network, this.#addr, new SyscallError('setsockopt', r));
    this.#acceptor.setOptions(options);
    this.#connOptions = options;
  }

  /** @internal serve(): what the net.Socket constructor is given for each accepted connection (net.Server's onconnection options). */
  setSocketOptions(options: net.SocketConstructorOpts | undefined): void {
    this.#socketOptions = options;
  }

  /** A pending accept keeps the event loop alive (the default). */
  ref(): this {
    this.#ref = true;
    this.#acceptor.ref();
    return this;
  }

  /** A pending accept (or a retry pause of connections()) no longer keeps the event loop alive. */
  unref(): this {
    this.#ref = false;
    this.#acceptor.unref();
    return this;
  }
}
