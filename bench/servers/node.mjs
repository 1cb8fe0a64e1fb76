// The Node contenders of the bench, one process per run so each has its own
// CPU and RSS counters. Same protocol as src/epoll_server.c: one JSON line
// with the port once listening, then stdin commands ("stats", "busy MS",
// "exit").
//
//   node servers/node.mjs '{"kind":"lc"|"net", "mode":"close"|"hold"|"http",
//                           "backlog":n, "netOpts":bool, "holdMs":n, "limit":K,
//                           "lcOpts":{ListenConfig options}, "lib":path}'
// "lib": another build's dist/index.mjs (pairing two builds), else this one.
//
// kind lc: a ListenConfig listener and an accept loop, as a user writes it;
//   idiom "for-await": `for await (const c of ln)` instead of accept();
//   idiom "serve": serve(ln, server, { maxConcurrent: limit }) into the
//   same net.Server (http.Server for mode http) the net kind listens with.
// kind net: net.Server (http.Server for mode http) on server.listen().
// "keep": the first n connections are held open and never counted (the
// idle connections of the cost-growth scenario); later ones go to mode.
// "gcEveryMs" (run with --expose-gc): a forced GC that often, recording the
// largest heap left alive after one (live heap at the peak).
import * as http from 'node:http';
import * as net from 'node:net';
import { createInterface } from 'node:readline';
import * as v8 from 'node:v8';

const opt = JSON.parse(process.argv[2]);
// opt.lib: another build's dist/index.mjs, to pair two builds of the package.
const { ListenConfig, serve } = await import(opt.lib ?? 'listenconfig');
let accepted = 0;
let open = 0;
let peakOpen = 0;
const noop = () => {};

function counted(c) {
  accepted++;
  if (++open > peakOpen) peakOpen = open;
  c.once('close', () => open--);
}

// What each mode does with a connection.
const handlers = {
  // The accept-path measurement: take the connection and close it.
  close(c) {
    accepted++;
    c.destroy();
  },
  // The overload scenario: hold the connection for holdMs, then close it.
  hold(c) {
    counted(c);
    c.on('error', noop); // a client may reset first; that is not news here
    setTimeout(() => c.destroy(), opt.holdMs);
  },
};

const httpServer =
  opt.mode === 'http'
    ? http.createServer((req, res) => {
        res.setHeader('content-type', 'text/plain');
        res.end('hello world\n');
      })
    : undefined;
if (httpServer) httpServer.on('connection', counted);

const kept = [];
function keepFirst(c) {
  if (kept.length >= (opt.keep ?? 0)) return false;
  c.on('error', noop);
  kept.push(c);
  return true;
}

let port;
let backlogInfo;
const handle = (c) => keepFirst(c) || handlers[opt.mode](c);
// net.Server's own options for Go's defaults, when asked for the
// like-for-like comparison; plain defaults otherwise.
const netServer = () =>
  httpServer ??
  net.createServer(opt.netOpts ? { keepAlive: true, keepAliveInitialDelay: 15_000, noDelay: true } : {}, handle);
if (opt.kind === 'lc') {
  const cfg = { ...opt.lcOpts };
  if (opt.backlog) cfg.backlog = opt.backlog;
  const ln = await new ListenConfig(cfg).listen('tcp', '127.0.0.1:0');
  port = ln.addr().port;
  backlogInfo = ln.backlog;
  if (opt.idiom === 'serve') serve(ln, netServer(), opt.limit ? { maxConcurrent: opt.limit } : {});
  else if (opt.idiom === 'for-await') void forAwaitLoop(ln);
  else void acceptLoop(ln);
} else {
  const server = netServer();
  const lopts = { port: 0, host: '127.0.0.1' };
  if (opt.backlog) lopts.backlog = opt.backlog;
  await new Promise((resolve) => server.listen(lopts, resolve));
  port = server.address().port;
  backlogInfo = { requested: opt.backlog || 511 };
}
// The accept loop a user writes. With a limit K (mode hold), it stops
// calling accept() while K connections are open: the rest wait in the
// kernel's queue, and beyond it in SYN retransmits, costing this process
// nothing.
async function acceptLoop(ln) {
  const limit = opt.limit || Infinity;
  let slotFreed = null;
  for (;;) {
    if (open >= limit) await new Promise((r) => (slotFreed = r));
    const c = await ln.accept();
    if (httpServer) {
      httpServer.emit('connection', c);
      continue;
    }
    if (keepFirst(c)) continue;
    handlers[opt.mode](c);
    if (opt.limit) {
      c.once('close', () => {
        if (slotFreed && open < limit) {
          const r = slotFreed;
          slotFreed = null;
          r();
        }
      });
    }
  }
}

// The README's idiom: for await over the listener (connections() with its
// defaults: Go's accept-retry backoff on temporary errors).
async function forAwaitLoop(ln) {
  for await (const c of ln) handle(c);
}

// Bytes the JavaScript heap allocated since start: V8 keeps no such
// counter, so it is summed from every GC's heap-used before it and after
// the previous one (v8.GCProfiler, Node >= 18.15). Unlike CPU time it does
// not depend on what else the machine runs, so it tells apart two ways of
// doing the same work per connection on a loaded machine.
let gcProfiler = v8.GCProfiler ? new v8.GCProfiler() : undefined;
gcProfiler?.start();
let heapAllocated = 0;
let heapUsedLast = v8.getHeapStatistics().used_heap_size;
function allocated() {
  if (gcProfiler === undefined) return null;
  for (const gc of gcProfiler.stop().statistics) {
    heapAllocated += gc.beforeGC.heapStatistics.usedHeapSize - heapUsedLast;
    heapUsedLast = gc.afterGC.heapStatistics.usedHeapSize;
  }
  gcProfiler = new v8.GCProfiler();
  gcProfiler.start();
  const used = v8.getHeapStatistics().used_heap_size;
  heapAllocated += used - heapUsedLast;
  heapUsedLast = used;
  return heapAllocated;
}

// Live heap at the peak: the most heap left after a forced GC.
let peakLiveHeap = 0;
if (opt.gcEveryMs && typeof globalThis.gc === 'function') {
  setInterval(() => {
    globalThis.gc();
    peakLiveHeap = Math.max(peakLiveHeap, process.memoryUsage().heapUsed);
  }, opt.gcEveryMs).unref();
}

function stats() {
  const alloc = allocated();
  const cpu = process.cpuUsage();
  return {
    accepted,
    user_us: cpu.user,
    sys_us: cpu.system,
    maxrss_kb: process.resourceUsage().maxRSS,
    peak_open: peakOpen,
    heap_alloc_bytes: alloc,
    peak_live_heap_bytes: peakLiveHeap,
    kept: kept.length,
  };
}

process.stdout.write(JSON.stringify({ port, backlog: backlogInfo }) + '\n');
const rl = createInterface({ input: process.stdin });
rl.on('line', (line) => {
  const [cmd, arg] = line.split(' ');
  if (cmd === 'stats') process.stdout.write(JSON.stringify(stats()) + '\n');
  else if (cmd === 'exit') process.exit(0);
  else if (cmd === 'busy') {
    // The origin scenario: the event loop is blocked; say so first (stdout
    // to a pipe is synchronous on Linux), then spin.
    process.stdout.write('{"busy":true}\n');
    const end = performance.now() + Number(arg);
    while (performance.now() < end);
  }
});
rl.on('close', () => process.exit(0));
