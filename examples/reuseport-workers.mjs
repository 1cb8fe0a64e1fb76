// Go's multi-core shape in Node: one listener per worker thread on the same
// port, each with SO_REUSEPORT set in Control, so the kernel spreads
// connections across them (shared/DESIGN.md measured this against cluster).
// Run: node examples/reuseport-workers.mjs [workers] [port]
import * as http from 'node:http';
import { Worker, isMainThread, workerData, parentPort } from 'node:worker_threads';
import { ListenConfig, constants, serve, setsockopt } from 'listenconfig';

if (isMainThread) {
  const n = Number(process.argv[2] ?? 2);
  const port = Number(process.argv[3] ?? 8080);
  for (let i = 0; i < n; i++) {
    new Worker(new URL(import.meta.url), { workerData: { port, id: i } }).on('message', (m) => console.log(m));
  }
} else {
  const lc = new ListenConfig({
    control(network, address, raw) {
      raw.control((fd) => setsockopt(fd, constants.SOL_SOCKET, constants.SO_REUSEPORT, 1));
    },
  });
  const ln = await lc.listen('tcp', `:${workerData.port}`);
  parentPort.postMessage(`worker ${workerData.id} listening on ${ln.addr()}`);
  const server = http.createServer((req, res) => res.end(`worker ${workerData.id}\n`));
  serve(ln, server);
}
