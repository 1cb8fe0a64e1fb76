// The server of the HTTP experiments (issue 13): one http.Server on
// server.listen() or on serve(ln, server), with the knobs the experiments
// vary. Same protocol as bench/servers/node.mjs: a JSON line with the port
// once listening, then "stats" (CPU so far) or "exit" on stdin.
//
//   node http-server.mjs '{"kind":"lc"|"net", "backlog":n, "httpOpts":{...},
//                          "lib":"/path/to/dist/index.js"}'
//
// "lib" loads another build of the package (batch.sh makes one with a
// different accept batch); "httpOpts" go to http.createServer (noDelay…).
import * as http from 'node:http';
import { createInterface } from 'node:readline';

const opt = JSON.parse(process.argv[2]);
const { ListenConfig, serve, Listener } = await import(opt.lib ?? 'listenconfig');
const server = http.createServer(opt.httpOpts ?? {}, (req, res) => {
  res.setHeader('content-type', 'text/plain');
  res.end('hello world\n');
});
let accepted = 0;
// As the bench's server: a 'connection' listener and a 'close' listener per socket.
server.on('connection', (c) => {
  accepted++;
  c.once('close', () => {});
});
let port;
if (opt.kind === 'lc') {
  const ln = await new ListenConfig(opt.lcOpts ?? {}).listen('tcp', '127.0.0.1:0');
  port = ln.addr().port;
  serve(ln, server);
} else {
  await new Promise((r) => server.listen({ port: 0, host: '127.0.0.1', backlog: opt.backlog ?? 511 }, r));
  port = server.address().port;
}
process.stdout.write(JSON.stringify({ port, pid: process.pid, acceptBatch: Listener.acceptBatch }) + '\n');
createInterface({ input: process.stdin }).on('line', (l) => {
  if (l !== 'stats') process.exit(0);
  const c = process.cpuUsage();
  process.stdout.write(JSON.stringify({ accepted, user: c.user, sys: c.system }) + '\n');
});
