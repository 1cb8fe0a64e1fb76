// The one place serve() touches net.Server's internals. Everything else in
// lib/serve.ts uses public API only.
//
// Why internals at all: a net.Server is "listening" only through its
// private `_handle` (the libuv TCP handle listen() makes), and its
// connection count lives in `_connections`, maintained by net's own accept
// path (onconnection) and by net.Socket#_destroy through `socket._server`.
// http.Server's timeouts start from its 'listening' handler, close() and
// address() act on `_handle`, maxConnections and getConnections() read
// `_connections`. A server fed by `emit('connection')` has none of this.
// So serve() puts a stand-in handle where listen() would put the real one
// and does onconnection's bookkeeping for each accepted socket.
//
// What is relied on, the same in Node 18.20, 20.20, 22.23 and 24.21 (read
// from each release's lib/net.js; test/server-handle.test.mjs checks each
// point by behaviour and fails naming the one that changed):
// - net.Server#close(): if `_handle`, calls `_handle.close()` (no
//   arguments), sets `_handle = null`, then `_emitCloseIfDrained()`, which
//   emits 'close' once `_handle` is null and `_connections` is 0.
// - net.Server#address(): `_handle.getsockname(out)`, returns `out`
//   (a non-zero return is thrown as an errno); a handle without
//   getsockname (a pipe's) gives `_pipeName`, the path, instead.
// - net.Server#listening is `!!_handle`; #ref()/#unref() call the handle's
//   and remember `_unref`, which listen() applies to a new handle.
// - net.Server#listen() throws ERR_SERVER_ALREADY_LISTEN while `_handle` is set.
// - onconnection: drops the connection when maxConnections says so
//   (Node 18 and 20: `maxConnections && _connections >= maxConnections`;
//   22 and later: `maxConnections != null && …`, so 0 drops everything),
//   else `_connections++`, `socket.server = socket._server = server`.
// - net.Socket#_destroy(): `_server._connections--`, then
//   `_server._emitCloseIfDrained()`.
import type * as net from 'node:net';

/** What net.Server calls on its listening handle, and nothing more. */
export interface StandInHandle {
  /** From server.close(); net.Server drops the handle right after. */
  close(): void;
  /**
   * From server.address(): fills {address, family, port}; 0 or a negative
   * errno. Absent for a unix socket: address() is then the path.
   */
  getsockname?(out: Record<string, unknown>): number;
  ref(): void;
  unref(): void;
}

interface ServerInternals {
  _handle: unknown;
  _connections: number;
  _connectionKey?: string;
  _pipeName?: string;
  _unref?: boolean;
}

interface SocketInternals {
  server?: net.Server;
  _server?: net.Server;
}

const internals = (server: net.Server) => server as unknown as ServerInternals;

/**
 * Makes `server` listen on `handle`, as net's setupListenHandle does with
 * a real one: the connection key ("4:127.0.0.1:8080") that cluster and
 * some Node releases read, and an earlier server.unref() carried over.
 */
export function installHandle(
  server: net.Server,
  handle: StandInHandle,
  family: 4 | 6,
  ip: string,
  port: number,
): void {
  const s = internals(server);
  s._handle = handle;
  s._connectionKey = `${family}:${ip}:${port}`;
  if (s._unref === true) handle.unref();
}

/** installHandle for a unix socket: server.address() is `path`, as after listen(path). */
export function installPipeHandle(server: net.Server, handle: StandInHandle, path: string): void {
  const s = internals(server);
  s._handle = handle;
  s._pipeName = path;
  // listen(path)'s key: no family, no port.
  s._connectionKey = `-1:${path}:-1`;
  if (s._unref === true) handle.unref();
}

/** Whether `handle` is still the server's (server.close() drops it). */
export function hasHandle(server: net.Server, handle: StandInHandle): boolean {
  return internals(server)._handle === handle;
}

// Node 22's onconnection tests `maxConnections != null`, so 0 drops every
// connection; 18 and 20 test its truthiness, so 0 means no limit there.
const ZERO_MEANS_NONE = Number(process.versions.node.split('.')[0]) >= 22;

/** onconnection's test: whether a new connection is to be dropped now. */
export function overMaxConnections(server: net.Server): boolean {
  const max = server.maxConnections as number | null | undefined;
  const open = internals(server)._connections;
  return ZERO_MEANS_NONE ? max != null && open >= max : !!max && open >= max;
}

/**
 * onconnection's bookkeeping for a socket about to be emitted as
 * 'connection': counted by maxConnections and getConnections(), and
 * uncounted by the socket's own destroy, which also lets a closing server
 * emit 'close' once the last one ends.
 */
export function countConnection(server: net.Server, socket: net.Socket): void {
  internals(server)._connections++;
  const sk = socket as unknown as SocketInternals;
  sk.server = server;
  sk._server = server;
}

// http.Server (and https.Server) internals the drain relies on, the same in
// Node 20.20, 22.23, 24.21 and 26.10 (read from each release's
// lib/_http_server.js):
// - `server[Symbol('http.server.connections')]` is the ConnectionsList made
//   on 'listening'; its all() lists the parser of every connection http
//   still manages (a connection upgraded or detached by CONNECT leaves it),
//   each parser's `socket` the one http reads (the TLSSocket for https).
// - parserOnIncoming publishes `http.server.request.start` with { server,
//   socket, response } before any 'request' listener runs and before the
//   response is assigned or written: a subscriber's
//   `response.shouldKeepAlive = false` makes the head say `Connection:
//   close` and the connection end after it.
// - http.Server#close() first calls `this.closeIdleConnections()`, looked
//   up on the instance, then clears its timeout checks and calls
//   net.Server#close().
interface ConnectionsList {
  all(): { socket?: net.Socket }[];
}

function connectionsList(server: net.Server): ConnectionsList | undefined {
  for (const sym of Object.getOwnPropertySymbols(server)) {
    if (sym.description !== 'http.server.connections') continue;
    const list = (server as unknown as Record<symbol, unknown>)[sym] as ConnectionsList | null;
    return list !== null && typeof list?.all === 'function' ? list : undefined;
  }
  return undefined;
}

/**
 * The sockets an HTTP/1 server still manages (the ones its parser reads),
 * or undefined when the server keeps no such list.
 */
export function httpSockets(server: net.Server): net.Socket[] | undefined {
  const list = connectionsList(server);
  if (list === undefined) return undefined;
  const out: net.Socket[] = [];
  for (const p of list.all()) if (p.socket !== undefined && p.socket !== null) out.push(p.socket);
  return out;
}

/** Runs `close` with the server's closeIdleConnections() a no-op (http's close() calls it first). */
export function keepingIdle(server: net.Server, close: () => void): void {
  const own = Object.getOwnPropertyDescriptor(server, 'closeIdleConnections');
  try {
    Object.defineProperty(server, 'closeIdleConnections', { value: () => {}, configurable: true, writable: true });
  } catch {
    // A frozen server: http's close() closes the idle connections.
    close();
    return;
  }
  try {
    close();
  } finally {
    if (own !== undefined) Object.defineProperty(server, 'closeIdleConnections', own);
    else delete (server as { closeIdleConnections?: unknown }).closeIdleConnections;
  }
}
