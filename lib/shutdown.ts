// Go's Server.Shutdown, the waiting half, for HTTP/1 servers (issue 19).
//
// Go disables keep-alives (every response then says `Connection: close`)
// and polls closeIdleConns, which closes a connection the moment it is
// idle. Node's http.Server#close() and closeIdleConnections() do the same
// in one go. Both lose requests: a keep-alive client sends its next request
// the moment it has read the previous answer, so a connection that looks
// idle to the server may have a request on its way; closing it then resets
// that request (measured: 160 lost over 10 upgrades with 16 wrk
// connections). Go's own Transport hides this by retrying idempotent
// requests; most clients (wrk, curl, Node's Agent) do not.
//
// So the drain answers every request already received or arriving with
// `Connection: close` (the connection closes after carrying it), and closes
// a connection that carries no request only after it stayed silent (no byte
// read, no response under way) for `idleGrace` ms.
import * as dc from 'node:diagnostics_channel';
import type * as net from 'node:net';
import { AbortError } from './errors';

/**
 * The default idle grace, in ms: a keep-alive client's next request reaches
 * the server one round trip after the last answer left it, plus the
 * client's own delay. Measured here (wrk, 16 connections, loopback, 288,368
 * requests): from an answer's 'finish' to the next request on that
 * connection 0.2 ms median, 2.8 ms at the 99.9th percentile, 8.7 ms at
 * most. One second leaves a hundred times that for a network round trip
 * and a slower client, and stays well inside Node's keepAliveTimeout (5 s),
 * which closes an idle connection anyway.
 */
export const DEFAULT_IDLE_GRACE_MS = 1000;

// Published by http's parserOnIncoming for every request, with the
// response already made (shouldKeepAlive set) and before any 'request',
// 'checkContinue' or 'checkExpectation' listener runs: Node 20 to 26.
const REQUEST_START = 'http.server.request.start';

interface HttpResponse {
  headersSent: boolean;
  shouldKeepAlive: boolean;
}

interface HttpSocket extends net.Socket {
  _httpMessage?: HttpResponse | null;
}

interface Seen {
  read: number;
  since: number;
  busy: boolean;
}

// A response whose head is not written yet says `Connection: close`, and
// http closes the connection once it is sent (res._last, destroySoon).
// A handler's own `Connection: keep-alive` header still wins, as it does
// everywhere in Node's http.
// Returns whether it turned a keep-alive response into a closing one.
function closeAfter(res: HttpResponse | null | undefined): boolean {
  if (res == null || res.headersSent || !res.shouldKeepAlive) return false;
  res.shouldKeepAlive = false;
  return true;
}

/**
 * The drain of one serve() loop of an HTTP/1 server: `sockets()` lists the
 * connections http still manages, `owns(s)` whether one is this loop's (a
 * server served again after shutdown() has the next loop's connections
 * too, and they are not drained).
 */
export class Drain {
  readonly #server: net.Server;
  readonly #sockets: () => Iterable<net.Socket>;
  readonly #owns: (s: net.Socket) => boolean;
  // Per connection, the last response this drain made say close whose head
  // is not sent yet (see #onRequest).
  readonly #closing = new WeakMap<net.Socket, HttpResponse>();
  readonly #seen = new Map<net.Socket, Seen>();
  // One grace per waiting shutdown(); the shortest applies.
  readonly #graces: number[] = [];
  #started = false;
  #ended = false;
  #timer: NodeJS.Timeout | undefined;
  // Every http server in the process publishes here while a drain lasts:
  // only this loop's own connections are answered with close.
  readonly #onRequest = (msg: unknown) => {
    const m = msg as { server: net.Server; response: HttpResponse; socket: net.Socket };
    if (m.server !== this.#server || !this.#owns(m.socket)) return;
    // Node runs a pipelined request's handler at once and queues its
    // response behind the one under way (its head is built as the handler
    // ends, often before the next request is parsed): a close after the
    // earlier answer would drop answers whose work is done. So a request
    // pipelined behind an unsent answer keeps the connection open for all
    // of them (the earlier one back to keep-alive), and the connection
    // ends as a silent one after idleGrace, or with the answer to the next
    // request that arrives once the queue is empty.
    const under = (m.socket as HttpSocket)._httpMessage;
    if (under != null && under !== m.response) {
      const prev = this.#closing.get(m.socket);
      if (prev === under && !prev.headersSent) {
        prev.shouldKeepAlive = true;
        this.#closing.delete(m.socket);
      }
      return;
    }
    if (closeAfter(m.response)) this.#closing.set(m.socket, m.response);
  };

  constructor(server: net.Server, sockets: () => Iterable<net.Socket>, owns: (s: net.Socket) => boolean) {
    this.#server = server;
    this.#sockets = sockets;
    this.#owns = owns;
  }

  /**
   * From the first shutdown() on, as Go's inShutdown: every response not
   * yet begun says `Connection: close`, until the last connection ends or
   * close() is called (an aborted shutdown() does not undo it).
   */
  start(): void {
    if (this.#started || this.#ended) return;
    this.#started = true;
    dc.subscribe(REQUEST_START, this.#onRequest);
    // Requests already received: the one each connection is answering.
    // A response queued behind it (a pipelined request whose handler Node
    // has already run) is out of reach: its answer is dropped with the
    // connection, and a retrying client repeats the request (RFC 9112
    // 9.3.2). Go reads a pipelined request only afterwards, so there it
    // never ran.
    for (const s of this.#sockets()) {
      const res = (s as HttpSocket)._httpMessage;
      if (closeAfter(res)) this.#closing.set(s, res!);
    }
  }

  /** A shutdown() waits with this grace: silent connections are closed while one does. */
  hold(grace: number): void {
    if (this.#ended) return;
    this.#graces.push(grace);
    clearTimeout(this.#timer);
    this.#tick();
  }

  /** That shutdown() is done (resolved or aborted). */
  release(grace: number): void {
    const i = this.#graces.indexOf(grace);
    if (i >= 0) this.#graces.splice(i, 1);
    if (this.#graces.length === 0) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  /** Every connection has ended, or close() was called. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#started) dc.unsubscribe(REQUEST_START, this.#onRequest);
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#seen.clear();
  }

  // Silence is counted from the last tick that saw a byte read or a
  // response under way (or saw one under way the tick before): never
  // shorter than the true silence, at most one step longer.
  #tick(): void {
    this.#timer = undefined;
    if (this.#graces.length === 0 || this.#ended) return;
    const grace = Math.min(...this.#graces);
    const now = performance.now();
    const quiet: [net.Socket, Seen][] = [];
    const live = new Set<net.Socket>();
    for (const s of this.#sockets()) {
      if (s.destroyed) continue;
      live.add(s);
      const read = s.bytesRead;
      const busy = (s as HttpSocket)._httpMessage != null;
      const e = this.#seen.get(s);
      if (e === undefined) {
        this.#seen.set(s, { read, since: now, busy });
      } else if (busy || e.busy || read !== e.read) {
        e.read = read;
        e.since = now;
        e.busy = busy;
      }
      const seen = this.#seen.get(s)!;
      if (!busy && now - seen.since >= grace) quiet.push([s, seen]);
    }
    for (const s of this.#seen.keys()) if (!live.has(s)) this.#seen.delete(s);
    if (quiet.length > 0) {
      // Closed only after one more poll phase: bytes already in the
      // kernel's buffer are read first, and such a connection is spared.
      setImmediate(() => {
        for (const [s, e] of quiet) {
          if (this.#ended || s.destroyed) continue;
          if (s.bytesRead === e.read && (s as HttpSocket)._httpMessage == null) s.destroy();
        }
      }).unref();
    }
    const step = Math.min(Math.max(grace / 4, 1), 250);
    // Unref'd: open connections keep the process alive, the poll need not.
    this.#timer = setTimeout(() => this.#tick(), step).unref();
  }
}

/** p, or an AbortError as soon as `signal` aborts (p itself never rejects). */
export function untilAborted(p: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (signal === undefined) return p;
  if (signal.aborted) return Promise.reject(new AbortError(signal));
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(new AbortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    void p.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}
