// The Node contenders of the bench, one process per run so each has its own
// CPU and RSS counters. Same protocol as src/epoll_server.c: one JSON line
// with the port once listening, then stdin commands ("stats", "busy MS",
// "exit").
//
//   node servers/node.mjs '{"kind":"lc"|"net", "mode":"close"|"hold"|"http",
//                           "backlog":n, "netOpts":bool, "holdMs":n, "limit":K,
//                           "lcOpts":{ListenConfig options}}'
//
// kind lc: a ListenConfig listener and an accept loop, as a user writes it.
// kind net: net.Server (http.Server for mode http) on server.listen().
import * as http from 'node:http';
import * as net from 'node:net';
import { createInterface } from 'node:readline';
import { ListenConfig } from 'listenconfig';

const opt = JSON.parse(process.argv[2]);
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

let port;
let backlogInfo;
if (opt.kind === 'lc') {
  const cfg = { ...opt.lcOpts };
  if (opt.backlog) cfg.backlog = opt.backlog;
  const ln = await new ListenConfig(cfg).listen('tcp', '127.0.0.1:0');
  port = ln.addr().port;
  backlogInfo = ln.backlog;
  void acceptLoop(ln);
} else {
  // net.Server's own options for Go's defaults, when asked for the
  // like-for-like comparison; plain defaults otherwise.
  const sopts = opt.netOpts ? { keepAlive: true, keepAliveInitialDelay: 15_000, noDelay: true } : {};
  const server = httpServer ?? net.createServer(sopts, handlers[opt.mode]);
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

function stats() {
  const cpu = process.cpuUsage();
  return {
    accepted,
    user_us: cpu.user,
    sys_us: cpu.system,
    maxrss_kb: process.resourceUsage().maxRSS,
    peak_open: peakOpen,
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
