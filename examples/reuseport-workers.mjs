// Go's multi-core shape in Node: one listener per worker thread on the same
// port, each with SO_REUSEPORT set in Control, so the kernel spreads
// connections across them (docs/recipes.md: measured against cluster).
// Run: node examples/reuseport-workers.mjs [workers] [port]; Ctrl-C (or
// SIGTERM) shuts it down.
//
// A SO_REUSEPORT group has one rule to respect: the kernel hashes every
// new connection to one member's queue whether that member accepts or not.
// So no member may stay open without accepting: its share of the clients
// would wait there until they time out (spec/reuseport.spec.mjs). Here a
// worker's listener is only ever open while serve() accepts from it:
// shutdown() closes the listener first, then waits for the requests in
// flight; a worker that dies takes its listener with it. What a closing
// member had queued is reset (the client sees an error at once, it is not
// left hanging), or, with Linux's net.ipv4.tcp_migrate_req = 1, moved to
// the members still open. The workers shut down one after another, so with
// that sysctl only the last one's queue is reset. The example does not set
// it: it is the whole network namespace's setting, not one program's.
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import { Worker, isMainThread, workerData, parentPort } from 'node:worker_threads';
import { ListenConfig, constants, serve, setsockopt } from 'listenconfig';

if (isMainThread) {
  const n = Number(process.argv[2] ?? 2);
  const port = Number(process.argv[3] ?? 8080);
  const workers = [];
  let listening = 0;
  let failed = 0;
  for (let i = 0; i < n; i++) {
    const w = new Worker(new URL(import.meta.url), { workerData: { port, id: i } });
    w.on('message', (m) => {
      console.log(m);
      if (/ listening on /.test(m) && ++listening === n) console.log(`all ${n} workers listening`);
    });
    w.on('error', (e) => {
      console.error(`worker ${i}: ${e.message}`);
      // Its listener died with it; the others go on. None left: fail.
      if (++failed === n) process.exitCode = 1;
    });
    // Made now, so shutdown() does not wait for a worker that already died.
    workers.push({ w, exited: new Promise((r) => w.once('exit', r)) });
  }
  let migrate;
  try {
    migrate = readFileSync('/proc/sys/net/ipv4/tcp_migrate_req', 'utf8').trim();
  } catch {
    // Not Linux, or a kernel before 5.14.
  }
  const shutdown = async (sig) => {
    console.log(
      `${sig}: shutting down ${n} workers one after another` +
        (migrate === '0' ? ' (net.ipv4.tcp_migrate_req is 0: what a worker had queued is reset)' : ''),
    );
    for (const { w, exited } of workers) {
      w.postMessage('shutdown');
      await exited;
    }
    console.log('all workers closed');
  };
  for (const sig of ['SIGINT', 'SIGTERM']) process.once(sig, () => void shutdown(sig));
} else {
  const lc = new ListenConfig({
    control(network, address, raw) {
      raw.control((fd) => setsockopt(fd, constants.SOL_SOCKET, constants.SO_REUSEPORT, 1));
    },
  });
  const ln = await lc.listen('tcp', `:${workerData.port}`);
  const server = http.createServer((req, res) => res.end(`worker ${workerData.id}\n`));
  const serving = serve(ln, server);
  parentPort.postMessage(`worker ${workerData.id} listening on ${ln.addr()}`);
  parentPort.on('message', async (m) => {
    if (m !== 'shutdown') return;
    try {
      await serving.shutdown({ signal: AbortSignal.timeout(10_000) });
    } catch {
      await serving.close(); // requests still running after 10 s
    }
    parentPort.postMessage(`worker ${workerData.id} closed`);
    parentPort.close();
  });
}
