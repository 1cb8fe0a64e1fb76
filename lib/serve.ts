// serve(): a Listener's connections into an existing net.Server (http,
// https, http2, tls, net), which then behaves as after server.listen():
// 'listening', address(), listening, http's header and request timeouts,
// maxConnections, getConnections(), close(), closeIdleConnections(),
// ref()/unref(). Emitting 'connection' by hand gives none of these; the
// reason and the few internals it takes are in lib/server-handle.ts.
//
// The loop is Go's http.Server.Serve: accept, hand over, and on a
// temporary accept error (EMFILE…) pause with Go's backoff and try again
// while the waiting clients stay safe in the kernel's queue. close() and
// shutdown() are Go's Server.Close and Server.Shutdown.
import * as dc from 'node:diagnostics_channel';
import * as net from 'node:net';
import { Backoff, pause } from './backoff';
import { ErrClosed, OpError, retryableAcceptError } from './errors';
import type { Listener } from './listener';
import { warnAcceptError } from './lifecycle';
import { limitListener } from './limit';
import {
  argError,
  assertOpen,
  describe,
  refuseMessageListener,
  validateCount,
  validateListener,
} from './listener-args';
import { StreamListener } from './stream-listener';
import { TCPListener } from './tcpsock';
import { DEFAULT_IDLE_GRACE_MS, Drain, untilAborted } from './shutdown';
import {
  countConnection,
  hasHandle,
  httpSockets,
  installHandle,
  installPipeHandle,
  keepingIdle,
  overMaxConnections,
  type StandInHandle,
} from './server-handle';

export interface ServeOptions {
  /**
   * At most this many connections open at once: while they are, no accept
   * is issued and new clients wait in the kernel's queue (Go's
   * netutil.LimitListener). Unlike server.maxConnections, which accepts
   * and closes the surplus, this is back-pressure.
   */
  maxConcurrent?: number;
  /**
   * Called for each temporary accept error (EMFILE, ENFILE, ECONNABORTED…)
   * with the pause before the next try. Without it, a process warning is
   * emitted, as Go's http.Server logs `http: Accept error: …; retrying in …`.
   */
  onError?: (err: OpError, retryInMs: number) => void;
}

export interface ShutdownOptions {
  /** Stops waiting: shutdown() rejects with an AbortError, connections stay open. */
  signal?: AbortSignal;
  /**
   * HTTP/1: how long, in ms, a connection carrying no request must stay
   * silent (no byte read, no response under way) before the drain closes
   * it; default 1,000. A keep-alive client sends its next request as soon
   * as it has read the last answer, so a connection that looks idle may
   * have a request on its way: closed then, that request is reset (Go's
   * Shutdown and Node's closeIdleConnections() close at once and lose
   * it). The grace covers a round trip and the client's own delay; 0
   * closes idle connections at once, as Go does.
   */
  idleGrace?: number;
}

/** What serve() returns: Go's http.Server Close and Shutdown. */
export interface Serving {
  /** Stops accepting, closes the listener and every connection now; resolves once the server has emitted 'close'. */
  close(): Promise<void>;
  /**
   * Go's Server.Shutdown, draining without losing a request (issue 19):
   * stops accepting and closes the listener (clients still in the kernel's
   * queue stay there for a process that shares the socket); for HTTP/1,
   * answers every request already received or arriving on an open
   * connection with `Connection: close`, so that connection closes once it
   * has carried that answer, and closes a connection that carries none
   * after it stayed silent for `idleGrace` ms; asks HTTP/2 sessions to
   * finish with GOAWAY; other servers' connections are waited for. Resolves
   * once every connection has ended.
   *
   * Unlike Go and Node's closeIdleConnections(), an idle keep-alive
   * connection is not closed at once: a request may be on its way to it.
   * As in Go, an aborted `signal` stops the waiting (and the closing of
   * silent connections) and leaves connections open, responses keep saying
   * `Connection: close`, and close() is the hard close. A handler's own
   * `Connection: keep-alive` header is kept (Go replaces it). Node runs the
   * handlers of pipelined requests at once: a request pipelined behind an
   * answer not yet begun keeps the connection open, so every answer
   * arrives (the connection then ends as a silent one, or with the next
   * request's answer); one pipelined behind an answer already saying close
   * (begun before shutdown() or before it arrived) has had its handler run,
   * but its answer is dropped with the connection, and a retrying client
   * repeats it. Go never reads such a request.
   */
  shutdown(options?: ShutdownOptions): Promise<void>;
}

const OPTION_KEYS = new Set(['maxConcurrent', 'onError']);

// setTimeout's limit: a longer grace would fire at once.
const MAX_GRACE_MS = 2 ** 31 - 1;

interface HttpServerLike {
  closeIdleConnections?: () => void;
}

// The loop serving each listener passed to serve().
const serving = new WeakMap<Listener, ServeLoop>();

// The one ServeLoop per server waiting for its 'close' (#watchClose).
const closeWatch = new WeakMap<net.Server, { onClose: () => void; loop: ServeLoop }>();

// http2's Http2Server and Http2SecureServer (not exported by node:http2).
function isHttp2Server(server: net.Server): boolean {
  for (let p = Object.getPrototypeOf(server); p !== null && p !== net.Server.prototype; p = Object.getPrototypeOf(p)) {
    const name = (p as { constructor?: { name?: string } }).constructor?.name;
    if (name === 'Http2Server' || name === 'Http2SecureServer') return true;
  }
  return false;
}

/** @internal The address a served listener reports instead of its own (lib/register.ts). */
export const shownIP = new WeakMap<Listener, string>();
// Published by net's onconnection for every server socket.
const socketChannel = dc.channel('net.server.socket');

interface Http2SessionLike {
  close(): void;
  once(event: 'close', fn: () => void): unknown;
}

class ServeLoop implements Serving {
  readonly #ln: Listener;
  readonly #server: net.Server;
  readonly #onError: ServeOptions['onError'];
  readonly #handle: StandInHandle;
  readonly #conns = new Set<net.Socket>();
  // Forgets a connection as it is destroyed: one function for all, put in
  // place of the socket's _destroy rather than a 'close' listener, which
  // user code could count or remove (a socket http detaches for CONNECT
  // or an upgrade must show Node's listener counts, #20).
  readonly #forget = (() => {
    const conns = this.#conns;
    const emptied = () => this.#emptied();
    return function (this: net.Socket, err: Error | null, cb: (err?: Error | null) => void): void {
      conns.delete(this);
      if (conns.size === 0) emptied();
      // The prototype's at call time, as an own _destroy would not shadow it.
      net.Socket.prototype._destroy.call(this, err, cb);
    };
  })();
  // net.Server's keepAlive is applied per connection, as onconnection does;
  // not when the ListenConfig set keep-alive itself (serve()'s comment).
  readonly #serverKeepAlive: boolean;
  readonly #sessions = new Set<Http2SessionLike>();
  // Resolves with the server's 'close' after this listen, or, if the server
  // listens again before it, once this listen's own connections are gone.
  readonly #drained: Promise<void>;
  #resolveDrained!: () => void;
  #orphaned = false;
  // #done() ran: this listen's connections are all gone.
  #finished = false;
  #onSession: ((s: Http2SessionLike) => void) | undefined;
  #stopped = false;
  #ref = true;
  #lnClosed: Promise<void> = Promise.resolve();
  #pause: { cancel: () => void } | undefined;
  #closing: Promise<void> | undefined;
  // HTTP/1 servers only (those with closeIdleConnections, http2's have
  // none): created by the first shutdown().
  #drain: Drain | undefined;

  constructor(
    ln: Listener,
    server: net.Server,
    onError: ServeOptions['onError'],
    serverKeepAlive: boolean,
    keyPort: number | undefined,
  ) {
    this.#ln = ln;
    this.#serverKeepAlive = serverKeepAlive;
    this.#server = server;
    this.#onError = onError;
    // 'close' comes once the handle is gone and the last connection has
    // ended; it is listened for only from #stop() on, and one listen at a
    // time, so a server re-listening with connections open gathers no
    // listeners (net's own listen() adds none).
    this.#drained = new Promise((resolve) => {
      this.#resolveDrained = resolve;
    });
    const prev = closeWatch.get(server);
    if (prev !== undefined) {
      closeWatch.delete(server);
      server.off('close', prev.onClose);
      prev.loop.#orphan();
    }
    const addr = ln.addr() as { network?: string; name?: string; ip?: string; port?: number; zone?: string };
    // The register hook's IPv4-mapped host ('::ffff:127.0.0.1'): Node
    // reports the text it was given, as an IPv6 address.
    const ip = shownIP.get(ln) ?? addr.ip ?? '';
    const family = net.isIPv6(ip) ? 6 : 4;
    const address = addr.zone ? `${ip}%${addr.zone}` : ip;
    const port = addr.port ?? 0;
    this.#handle = {
      close: () => this.#stop(),
      getsockname: (out) => {
        out.address = address;
        out.family = family === 6 ? 'IPv6' : 'IPv4';
        out.port = port;
        return 0;
      },
      ref: () => {
        this.#ref = true;
        ln.ref?.();
      },
      unref: () => {
        this.#ref = false;
        ln.unref?.();
      },
    };
    if (addr.network === 'unix' && typeof addr.name === 'string') {
      // A pipe's handle has no getsockname: address() is the path.
      delete this.#handle.getsockname;
      installPipeHandle(server, this.#handle, addr.name);
    } else {
      // net keys a listening server by the port it asked for ('…:0').
      installHandle(server, this.#handle, family, ip, keyPort ?? port);
    }
    // HTTP/2 sessions, so shutdown() can send each a GOAWAY (Node 24's
    // close() does it, earlier releases leave them open). Only an http2
    // server has sessions, so no other server gets the listener.
    if (isHttp2Server(server)) {
      const onSession = (s: Http2SessionLike) => {
        this.#sessions.add(s);
        s.once('close', () => this.#sessions.delete(s));
      };
      this.#onSession = onSession;
      server.on('session', onSession);
    }
    // As net's listen(): 'listening' on the next tick, unless closed by then.
    // The loop starts in that tick too, so no 'connection' precedes it.
    process.nextTick(() => {
      this.#run().catch((e) => process.nextTick(() => this.#server.emit('error', e)));
      if (hasHandle(server, this.#handle)) server.emit('listening');
    });
  }

  /** @internal Whether serving has stopped (close(), shutdown(), server.close(), or the loop's end). */
  get stopped(): boolean {
    return this.#stopped;
  }

  async #run(): Promise<void> {
    const backoff = new Backoff();
    for (;;) {
      let conn: net.Socket;
      try {
        conn = await this.#ln.accept();
      } catch (e) {
        if (this.#stopped) return;
        // Closed by its owner, not through the server: the server stops too.
        if (e instanceof OpError && e.err === ErrClosed) return this.#end(undefined);
        if (!retryableAcceptError(e)) return this.#end(e as Error);
        const ms = backoff.next();
        // The pause exists before onError runs, so a close() from inside
        // onError cancels it too.
        // An unref'd server's retry pause must not hold the process either.
        const p = pause(ms, this.#ref);
        this.#pause = p;
        this.#report(e, ms);
        await p.done;
        this.#pause = undefined;
        if (this.#stopped) return;
        continue;
      }
      backoff.reset();
      if (this.#stopped) {
        // Accepted in the same turn as close(): nobody will serve it.
        conn.destroy();
        return;
      }
      try {
        this.#hand(conn);
      } catch (e) {
        // A throwing 'connection' listener: uncaught, as from net's own
        // accept path, and serving goes on.
        process.nextTick(() => {
          throw e;
        });
      }
    }
  }

  // net's onconnection, for a socket the Listener already made.
  #hand(conn: net.Socket): void {
    const server = this.#server;
    if (overMaxConnections(server)) {
      server.emit('drop', {
        localAddress: conn.localAddress,
        localPort: conn.localPort,
        localFamily: conn.localFamily,
        remoteAddress: conn.remoteAddress,
        remotePort: conn.remotePort,
        remoteFamily: conn.remoteFamily,
      });
      conn.destroy();
      return;
    }
    // Node 22's net.Server option: blocked peers are closed unannounced.
    // The peer is asked for only then: remoteAddress is a getpeername(2)
    // per connection, which net.Server does not pay either (issue 13).
    const blockList = (server as { blockList?: net.BlockList }).blockList;
    if (blockList !== undefined) {
      const peer = conn.remoteAddress;
      if (peer !== undefined && blockList.check(peer, conn.remoteFamily === 'IPv6' ? 'ipv6' : 'ipv4')) {
        conn.destroy();
        return;
      }
    }
    // http.Server wants half-open sockets (its own code ends them); a
    // Listener of another kind made this one with net.Socket's default.
    const s = server as NetServerFields;
    conn.allowHalfOpen = s.allowHalfOpen === true;
    // onconnection's setKeepAlive on the handle, recorded on the socket;
    // the server keeps the delay in seconds.
    if (this.#serverKeepAlive && s.keepAlive === true) conn.setKeepAlive(true, (s.keepAliveInitialDelay ?? 0) * 1000);
    countConnection(server, conn);
    this.#conns.add(conn);
    // Not enumerable: the socket's keys stay net's (a copy or a spread of
    // it must not take serve()'s bookkeeping along).
    Object.defineProperty(conn, '_destroy', { value: this.#forget, writable: true, configurable: true });
    server.emit('connection', conn);
    if (socketChannel.hasSubscribers) socketChannel.publish({ socket: conn });
  }

  // From #stop(): waits for the server's 'close', unless it listens again.
  #watchClose(): void {
    const server = this.#server;
    const onClose = () => {
      if (closeWatch.get(server)?.onClose === onClose) closeWatch.delete(server);
      this.#done();
    };
    server.once('close', onClose);
    closeWatch.set(server, { onClose, loop: this });
  }

  // The server listens again before its 'close': this listen is drained
  // once its own connections are.
  #orphan(): void {
    this.#orphaned = true;
    if (this.#conns.size === 0) this.#done();
  }

  #emptied(): void {
    if (this.#orphaned) this.#done();
  }

  #done(): void {
    this.#finished = true;
    this.#drain?.end();
    if (this.#onSession !== undefined) this.#server.off('session', this.#onSession);
    this.#onSession = undefined;
    this.#resolveDrained();
  }

  #report(err: OpError, ms: number): void {
    if (this.#onError === undefined) {
      warnAcceptError(err, ms);
      return;
    }
    try {
      this.#onError(err, ms);
    } catch (e) {
      // As a throwing event listener would: uncaught, and the loop goes on.
      process.nextTick(() => {
        throw e;
      });
    }
  }

  // The loop ended by itself: the server stops listening as if closed, and
  // a fatal accept error is emitted, as net.Server emits a failed accept.
  // 'error' is queued first, so it precedes 'close'.
  #end(err: Error | undefined): void {
    if (err !== undefined) process.nextTick(() => this.#server.emit('error', err));
    if (hasHandle(this.#server, this.#handle)) this.#server.close();
    this.#stop();
  }

  // Through server.close() (the stand-in handle's close) or our own close():
  // stop accepting now, even mid-pause, and close the listener.
  #stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#watchClose();
    this.#pause?.cancel();
    // A listener its owner closed first rejects with ErrClosed; a failing
    // close(2) has nothing left to undo, as net ignores it for its handle.
    this.#lnClosed = this.#ln.close().catch(() => {});
  }

  #stopServer(): void {
    if (hasHandle(this.#server, this.#handle)) this.#server.close();
    this.#stop();
  }

  close(): Promise<void> {
    if (this.#closing === undefined) {
      this.#stopServer();
      this.#drain?.end();
      for (const c of this.#conns) c.destroy();
      this.#closing = Promise.all([this.#lnClosed, this.#drained]).then(() => {});
    }
    return this.#closing;
  }

  shutdown(options: ShutdownOptions = {}): Promise<void> {
    if (typeof options !== 'object' || options === null) {
      throw argError(
        TypeError,
        'ERR_INVALID_ARG_TYPE',
        `The "options" argument must be of type object. Received ${describe(options)}`,
      );
    }
    const signal = options.signal;
    if (signal !== undefined && !(signal instanceof AbortSignal)) {
      throw argError(
        TypeError,
        'ERR_INVALID_ARG_TYPE',
        `The "options.signal" property must be an instance of AbortSignal. Received ${describe(signal)}`,
      );
    }
    // Only undefined is the default: null is refused as by Node's validators.
    const grace = options.idleGrace === undefined ? DEFAULT_IDLE_GRACE_MS : options.idleGrace;
    if (typeof grace !== 'number') {
      throw argError(
        TypeError,
        'ERR_INVALID_ARG_TYPE',
        `The "options.idleGrace" property must be of type number. Received ${describe(grace)}`,
      );
    }
    if (!(grace >= 0 && grace <= MAX_GRACE_MS)) {
      throw argError(
        RangeError,
        'ERR_OUT_OF_RANGE',
        `The value of "options.idleGrace" is out of range. It must be >= 0 && <= ${MAX_GRACE_MS}. Received ${grace}`,
      );
    }
    const server = this.#server;
    if (
      this.#drain === undefined &&
      !this.#finished &&
      typeof (server as HttpServerLike).closeIdleConnections === 'function'
    ) {
      const conns = this.#conns;
      // Only this loop's connections: the server may listen again (another
      // serve()) while they drain. https reads through a TLSSocket made
      // from ours (its _parent).
      const owns = (c: net.Socket) => conns.has(c) || conns.has((c as { _parent?: net.Socket })._parent as net.Socket);
      // http's list exists from 'listening' on, which precedes the first
      // accept: the fallback serves a shutdown() before it (no connection
      // yet), and sees no TLSSocket (the raw socket has no parser).
      this.#drain = new Drain(
        server,
        () => httpSockets(server)?.filter(owns) ?? [...conns].filter((c) => (c as { parser?: unknown }).parser != null),
        owns,
      );
    }
    const drain = this.#drain;
    // http.Server#close() would close the idle connections at once. The
    // drain starts once the close went through: a throwing close() (an
    // override) leaves nothing subscribed.
    if (drain !== undefined) keepingIdle(server, () => this.#stopServer());
    else this.#stopServer();
    drain?.start();
    for (const s of this.#sessions) s.close();
    drain?.hold(grace);
    const done = Promise.all([this.#lnClosed, untilAborted(this.#drained, signal)])
      .then(() => {})
      .finally(() => drain?.release(grace));
    // Awaiting it still sees the AbortError; not awaiting it is no crash.
    done.catch(() => {});
    return done;
  }
}

/**
 * Serves every connection `ln` accepts with `server`, which must not be
 * listening: the server behaves as after `server.listen()` (see the file
 * comment), and `server.close()` closes `ln`. Throws ERR_SERVER_ALREADY_LISTEN
 * for a listening server, ERR_LISTENCONFIG_ALREADY_SERVED for a listener
 * another serve() is serving (one server per listener: its sockets are
 * made with that server's options), and the listener's own closed error
 * for a closed listener.
 */
export function serve(ln: Listener, server: net.Server, options: ServeOptions = {}): Serving {
  validateListener(ln, 'ln');
  refuseMessageListener(ln, 'ln', 'serve()');
  if (!(server instanceof net.Server)) {
    throw argError(
      TypeError,
      'ERR_INVALID_ARG_TYPE',
      `The "server" argument must be an instance of net.Server. Received ${describe(server)}`,
    );
  }
  if (typeof options !== 'object' || options === null) {
    throw argError(
      TypeError,
      'ERR_INVALID_ARG_TYPE',
      `The "options" argument must be of type object. Received ${describe(options)}`,
    );
  }
  for (const k of Object.keys(options)) {
    if (!OPTION_KEYS.has(k)) {
      throw argError(
        TypeError,
        'ERR_INVALID_ARG_VALUE',
        `The property 'options.${k}' is invalid: serve() takes maxConcurrent and onError. Received ${describe((options as Record<string, unknown>)[k])}`,
      );
    }
  }
  if (options.onError !== undefined && typeof options.onError !== 'function') {
    throw argError(
      TypeError,
      'ERR_INVALID_ARG_TYPE',
      `The "onError" option must be of type function. Received ${describe(options.onError)}`,
    );
  }
  const max =
    options.maxConcurrent === undefined ? undefined : validateCount(options.maxConcurrent, '"maxConcurrent" option');
  if (server.listening) {
    throw Object.assign(new Error('Listen method has been called more than once without closing.'), {
      code: 'ERR_SERVER_ALREADY_LISTEN',
    });
  }
  // net's pauseOnConnect stops the handle before it reads: only this
  // package's listeners make their sockets with the server's options; a
  // socket from another Listener is already reading.
  if ((server as NetServerFields).pauseOnConnect === true && !(ln instanceof StreamListener)) {
    throw argError(
      Error,
      'ERR_LISTENCONFIG_PAUSE_ON_CONNECT',
      'serve() honours pauseOnConnect: true only with a listener made by ListenConfig',
    );
  }
  // One server per listener: a second would set its own socket options on
  // the listener (socketsAsServer) and the two would take turns accepting.
  if (serving.get(ln)?.stopped === false) {
    throw argError(
      Error,
      'ERR_LISTENCONFIG_ALREADY_SERVED',
      'The listener is already being served: serve() takes a listener once, until that server stops',
    );
  }
  assertOpen(ln);
  const serverKeepAlive = socketsAsServer(ln, server);
  const keyPort = ln instanceof TCPListener ? ln.requestedPort : undefined;
  const shown = shownIP.get(ln);
  const served = max === undefined ? ln : limitListener(ln, max);
  if (shown !== undefined) shownIP.set(served, shown);
  const loop = new ServeLoop(served, server, options.onError, serverKeepAlive, keyPort);
  serving.set(ln, loop);
  return loop;
}

interface NetServerFields {
  allowHalfOpen?: boolean;
  pauseOnConnect?: boolean;
  noDelay?: boolean;
  keepAlive?: boolean;
  keepAliveInitialDelay?: number;
  highWaterMark?: number;
}

// Makes `ln`'s sockets as net.Server's onconnection makes them: the
// server's allowHalfOpen, pauseOnConnect and highWaterMark given to the
// net.Socket constructor, TCP_NODELAY and keep-alive set and recorded on
// the socket (so a later setNoDelay(true) is not issued again). Which
// options win (docs/register.md, "Socket options"): a ListenConfig that
// named a keep-alive keeps Go's options (its keep-alive, TCP_NODELAY on),
// recorded as such; one that named none is the server's: the listener is
// reset to set TCP_NODELAY only if the server's noDelay says so and no
// keep-alive, once, on the listening socket where Linux passes them on.
// Returns whether the server's keepAlive is to be applied per connection.
function socketsAsServer(ln: Listener, server: net.Server): boolean {
  if (!(ln instanceof StreamListener)) return true;
  const s = server as NetServerFields;
  const o: net.SocketConstructorOpts & Record<string, unknown> = { allowHalfOpen: s.allowHalfOpen === true };
  if (s.pauseOnConnect === true) o.pauseOnCreate = true;
  if (typeof s.highWaterMark === 'number') {
    o.readableHighWaterMark = s.highWaterMark;
    o.writableHighWaterMark = s.highWaterMark;
  }
  let serverKeepAlive = true;
  if (ln instanceof TCPListener) {
    if (ln.keepAliveSet) {
      const [ka, idle] = ln.connOptions;
      o.noDelay = true;
      if (ka === 1) {
        o.keepAlive = true;
        o.keepAliveInitialDelay = Math.max(idle, 0) * 1000;
      }
      serverKeepAlive = false;
    } else {
      const noDelay = s.noDelay === true;
      ln.setConnOptions([-1, -1, -1, -1, noDelay]);
      // TCP_NODELAY is on from accept(2): recorded, as onconnection records
      // its setNoDelay(true), with no system call per connection.
      if (noDelay) o.noDelay = true;
    }
  }
  ln.setSocketOptions(o);
  return serverKeepAlive;
}
