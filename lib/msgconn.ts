// The engine of the package's message sockets (UnixConn for unixgram and
// unixpacket, IPConn for raw IP): one message per system call, on the pull
// model of the listeners. Node's dgram.Socket and net.Socket cannot carry
// these sockets (UDP only; a byte stream), so reads and writes are Go's: a
// read is attempted at once and, when the socket has nothing (EAGAIN), waits
// for the native poller, which watches the socket only while a read or a
// write is pending (Go's netpoll: fd.pd.waitRead). Deadlines are Go's,
// through the one timer of deadline.ts.
import * as os from 'node:os';
import { Deadline } from './deadline';
import { ErrClosed, ErrDeadlineExceeded, OpError, SyscallError, type Addr } from './errors';
import { dropped, handled } from './lifecycle';
import { binding, type NativeWatcher, type Sock } from './native';
import { ValidRawConn, type RawConn } from './rawconn';
import { describe } from './validate';

const READABLE = 1; // UV_READABLE
const WRITABLE = 2; // UV_WRITABLE
const { EAGAIN, EWOULDBLOCK, EINTR } = os.constants.errno;

// What starting the watcher calls underneath, as stream-listener.ts names it.
const POLL_SYSCALL =
  process.platform === 'linux' ? 'epoll_ctl' : process.platform === 'win32' ? 'uv_poll_start' : 'kevent';

/** @internal A buffer argument (a Buffer is a Uint8Array), as Node's validateBuffer words it. */
export function validateBytes(name: string, v: unknown): asserts v is Uint8Array {
  if (!(v instanceof Uint8Array)) {
    throw Object.assign(
      new TypeError(`The "${name}" argument must be an instance of Buffer or Uint8Array. Received ${describe(v)}`),
      { code: 'ERR_INVALID_ARG_TYPE' },
    );
  }
}

/** @internal Node's validateString. */
export function validateStringArg(name: string, v: unknown): asserts v is string {
  if (typeof v !== 'string') {
    throw Object.assign(new TypeError(`The "${name}" argument must be of type string. Received ${describe(v)}`), {
      code: 'ERR_INVALID_ARG_TYPE',
    });
  }
}

/**
 * @internal Runs an I/O method's body; an argument error it throws becomes
 * the promise's rejection, as listen() reports its argument errors.
 */
export function rejecting<T>(body: () => Promise<T>): Promise<T> {
  try {
    return body();
  } catch (e) {
    return Promise.reject(e);
  }
}

/** @internal A system call's failure, as attempt() reports it: -errno. */
export class Failed {
  constructor(readonly errno: number) {}
}

interface Op {
  attempt: () => unknown;
  syscall: string;
  resolve: (v: never) => void;
  reject: (e: Error) => void;
  promise: Promise<unknown> | undefined;
  /** The OpError's Addr: a writeTo's destination, else (undefined) the peer; null: none. */
  addr: Addr | null | undefined;
}

/** @internal What a message socket type gives the engine. */
export interface MessageConnInit<A extends Addr> {
  sock: Sock;
  network: string;
  laddr: A | undefined;
  raddr: A | undefined;
  /** The accept batch whose slot holds `sock`: the watcher clears it as it takes the socket. */
  slots?: Int32Array;
  slot?: number;
}

/**
 * A message socket's I/O, close, deadlines, ref/unref and syscallConn.
 * Subclasses say what a read and a write are (recvmsg/sendmsg and how
 * addresses convert).
 */
export abstract class MessageConn<A extends Addr = Addr> {
  readonly #sock: Sock;
  readonly #network: string;
  readonly #laddr: A | undefined;
  readonly #raddr: A | undefined;
  readonly #watcher: NativeWatcher;
  readonly #readers: Op[] = [];
  readonly #writers: Op[] = [];
  readonly #rd = new Deadline(() => this.#expire(this.#readers, 'read'));
  readonly #wd = new Deadline(() => this.#expire(this.#writers, 'write'));
  #events = 0;
  #closed = false;
  #ref = true;
  // A write that met EAGAIN although the poller said writable waits on
  // this timer instead (see #backOffWrites).
  #writeRetry: NodeJS.Timeout | undefined;
  #writeRetryMs = 0;

  /** @internal */
  constructor(init: MessageConnInit<A>) {
    this.#sock = init.sock;
    this.#network = init.network;
    this.#laddr = init.laddr;
    this.#raddr = init.raddr;
    // Owns the socket from here on, even when it throws (it closes the
    // socket then): the caller never closes it. With an accept batch the
    // slot is cleared in the same native step (issue: a worker terminated
    // in between had the socket closed twice).
    this.#watcher =
      init.slots === undefined
        ? new binding.Watcher(init.sock, this.#onReady)
        : new binding.Watcher(init.sock, this.#onReady, init.slots, init.slot ?? 0);
    dropped.register(
      this,
      { acceptor: new WeakRef(this.#watcher), what: `${init.network} ${String(init.laddr ?? '')}`, kind: 'socket' },
      this,
    );
  }

  /** The network: 'unixgram', 'unixpacket', 'ip4:icmp'… */
  get network(): string {
    return this.#network;
  }

  /** Whether close() has run. */
  protected get closed(): boolean {
    return this.#closed;
  }

  /** @internal the socket, for subclasses' system calls. */
  protected get sock(): Sock {
    return this.#sock;
  }

  /** Go's LocalAddr: the bound address, or null when the socket has none. */
  localAddr(): A | null {
    return this.#laddr ?? null;
  }

  /** Go's RemoteAddr: the connected peer, or null when not connected. */
  remoteAddr(): A | null {
    return this.#raddr ?? null;
  }

  /**
   * Go's `op net laddr->raddr: err` for this socket. `addr` is the OpError's
   * Addr: undefined for the peer (Go's c.fd.raddr), null for none (Go's
   * WriteMsgUnix to the connected peer: `write unixpacket /p.sock: …`).
   */
  protected opError(op: string, err: Error, addr: Addr | null | undefined = this.#raddr): OpError {
    return new OpError(op, this.#network, addr === undefined ? this.#raddr : (addr ?? undefined), err, this.#laddr);
  }

  /**
   * @internal Runs attempt() now and, while it fails with EAGAIN, again
   * each time the poller says the socket is ready; kind is 'read' or
   * 'write' (which queue, deadline and readiness), op Go's op name for
   * errors, syscall the name a SyscallError carries. attempt() returns
   * the result, or a Failed.
   */
  protected io<T>(kind: 'read' | 'write', syscall: string, attempt: () => T | Failed, addr?: Addr | null): Promise<T> {
    if (this.#closed) return handled(Promise.reject(this.opError(kind, ErrClosed, addr)));
    const deadline = kind === 'read' ? this.#rd : this.#wd;
    if (deadline.expired()) return Promise.reject(this.opError(kind, ErrDeadlineExceeded, addr));
    const q = kind === 'read' ? this.#readers : this.#writers;
    // Behind others waiting, this one waits its turn: messages keep their order.
    if (q.length === 0) {
      let r: T | Failed;
      try {
        r = this.#retry(attempt) as T | Failed;
      } catch (e) {
        return Promise.reject(e);
      }
      if (!(r instanceof Failed)) return Promise.resolve(r);
      if (!wouldBlock(r.errno)) {
        return Promise.reject(this.opError(kind, new SyscallError(syscall, r.errno), addr));
      }
    }
    let op!: Op;
    const promise = new Promise<T>((resolve, reject) => {
      op = { attempt, syscall, resolve: resolve as (v: never) => void, reject, promise: undefined, addr };
    });
    op.promise = promise;
    q.push(op);
    this.#watch();
    return promise;
  }

  #retry(attempt: () => unknown): unknown {
    for (;;) {
      const r = attempt();
      if (!(r instanceof Failed) || r.errno !== -EINTR) return r;
    }
  }

  // Starts or stops the poller for what the queues wait on. A poller that
  // cannot start fails what waits.
  #watch(): void {
    if (this.#closed) return;
    const writing = this.#writers.length > 0 && this.#writeRetry === undefined;
    const events = (this.#readers.length > 0 ? READABLE : 0) | (writing ? WRITABLE : 0);
    if (events === this.#events) return;
    const r = this.#watcher.start(events);
    if (r < 0) {
      this.#fail(this.#readers, 'read', new SyscallError(POLL_SYSCALL, r));
      this.#fail(this.#writers, 'write', new SyscallError(POLL_SYSCALL, r));
      this.#watcher.start(0);
      this.#events = 0;
      return;
    }
    this.#events = events;
  }

  #onReady = (status: number, events: number): void => {
    if (status < 0) {
      // libuv stopped the poll (POLLERR): a retry of each op reports the socket's error.
      this.#events = 0;
      events = READABLE | WRITABLE;
    }
    if (events & READABLE) this.#drain(this.#readers, 'read');
    if (events & WRITABLE && this.#writeRetry === undefined) this.#drainWrites();
    this.#watch();
  };

  #drainWrites(): void {
    if (this.#drain(this.#writers, 'write')) this.#writeRetryMs = 0;
    else this.#backOffWrites();
  }

  // An unconnected datagram socket is writable whenever its own buffer has
  // room, yet sendto(2) to a peer whose queue is full says EAGAIN: the
  // poller would wake at once, again and again (measured: 400 ms of CPU in
  // 500 ms). So after such a wake-up the writes retry on a timer, 1 ms
  // doubling to 64 ms, until one goes through.
  #backOffWrites(): void {
    this.#writeRetryMs = Math.min(this.#writeRetryMs === 0 ? 1 : this.#writeRetryMs * 2, 64);
    this.#writeRetry = setTimeout(() => {
      this.#writeRetry = undefined;
      if (this.#closed) return;
      this.#drainWrites();
      this.#watch();
    }, this.#writeRetryMs);
    if (!this.#ref) this.#writeRetry.unref();
  }

  #clearWriteRetry(): void {
    if (this.#writeRetry !== undefined) clearTimeout(this.#writeRetry);
    this.#writeRetry = undefined;
    this.#writeRetryMs = 0;
  }

  // Runs the queue's operations in order until one would block. Returns
  // false when the first one would: no progress.
  #drain(q: Op[], kind: string): boolean {
    let progress = false;
    while (q.length > 0) {
      const op = q[0];
      let r: unknown;
      try {
        r = this.#retry(op.attempt);
      } catch (e) {
        q.shift();
        op.reject(e as Error);
        progress = true;
        continue;
      }
      if (r instanceof Failed && wouldBlock(r.errno)) return progress;
      progress = true;
      q.shift();
      if (r instanceof Failed) op.reject(this.opError(kind, new SyscallError(op.syscall, r.errno), op.addr));
      else op.resolve(r as never);
    }
    return true;
  }

  #fail(q: Op[], kind: string, err: Error, preHandled = false): void {
    for (const op of q.splice(0)) {
      if (preHandled && op.promise !== undefined) handled(op.promise);
      op.reject(this.opError(kind, err, op.addr));
    }
  }

  #expire(q: Op[], kind: string): void {
    if (q.length === 0) return;
    this.#fail(q, kind, ErrDeadlineExceeded);
    if (q === this.#writers) this.#clearWriteRetry();
    this.#watch();
  }

  /**
   * Go's SetDeadline: setReadDeadline and setWriteDeadline together. A
   * pending or later read (write) fails with Go's `i/o timeout` OpError
   * (`timeout()` true, code 'ETIMEDOUT') once `t` has passed; null
   * removes the deadline. Throws Go's `set NET ADDR: use of closed network
   * connection` once closed.
   */
  setDeadline(t: Date | null): void {
    this.#checkSet(t);
    this.#rd.set(t, 't');
    this.#wd.set(t, 't');
  }

  /** Go's SetReadDeadline: as setDeadline, for reads only. */
  setReadDeadline(t: Date | null): void {
    this.#checkSet(t);
    this.#rd.set(t, 't');
  }

  /** Go's SetWriteDeadline: as setDeadline, for writes only. */
  setWriteDeadline(t: Date | null): void {
    this.#checkSet(t);
    this.#wd.set(t, 't');
  }

  #checkSet(t: unknown): void {
    if (!this.#closed) return;
    new Deadline(() => {}).set(t, 't'); // the argument error comes first, as for an open socket
    // Go's SetDeadline: the local address as Addr, no Source (`set unixgram @: …`).
    throw new OpError('set', this.#network, this.#laddr, ErrClosed);
  }

  /**
   * Closes the socket. Pending reads and writes reject with Go's `read NET
   * ADDR: use of closed network connection` (pre-handled: one left pending
   * on purpose does not become an unhandled rejection). A second close
   * rejects with `close NET ADDR: use of closed network connection`, as
   * Go's; that rejection is pre-handled too.
   */
  close(): Promise<void> {
    if (this.#closed) return handled(Promise.reject(this.opError('close', ErrClosed)));
    this.#closed = true;
    dropped.unregister(this);
    this.#rd.clear();
    this.#wd.clear();
    this.#clearWriteRetry();
    this.#events = 0;
    const r = this.#watcher.close();
    this.#fail(this.#readers, 'read', ErrClosed, true);
    this.#fail(this.#writers, 'write', ErrClosed, true);
    if (r < 0) return Promise.reject(this.opError('close', new SyscallError('close', r)));
    return Promise.resolve();
  }

  /** Go's SyscallConn: the socket for getsockopt and the like, while open. */
  syscallConn(): RawConn {
    return new ValidRawConn(this.#sock, () => (this.#closed ? this.opError('raw-control', ErrClosed) : undefined));
  }

  /** A pending read or write keeps the event loop alive (the default). */
  ref(): this {
    this.#ref = true;
    this.#watcher.ref();
    this.#writeRetry?.ref();
    return this;
  }

  /** A pending read or write no longer keeps the event loop alive. */
  unref(): this {
    this.#ref = false;
    this.#watcher.unref();
    this.#writeRetry?.unref();
    return this;
  }
}

function wouldBlock(errno: number): boolean {
  return errno === -EAGAIN || errno === -EWOULDBLOCK;
}
