// A small HTTP server on a ListenConfig listener that shows what the kernel
// really applied. Run: npm run example  (options: --backlog N --port P)
//
// It first lets connections pile up with nobody accepting, to show the
// queue the backlog gives, then serves them all.
import * as http from 'node:http';
import * as net from 'node:net';
import { parseArgs } from 'node:util';
import { ListenConfig, maxListenerBacklog, serve } from 'listenconfig';

const { values } = parseArgs({
  options: {
    backlog: { type: 'string', default: '0' },
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    demo: { type: 'string', default: '5' },
    'exit-after-demo': { type: 'boolean', default: false },
  },
});

const ln = await new ListenConfig({ backlog: Number(values.backlog) }).listen('tcp', `${values.host}:${values.port}`);
console.log(`listening on ${ln.addr()}`);
console.log(`maxListenerBacklog() = ${maxListenerBacklog()}`);
console.log(
  `backlog requested = ${ln.backlog.requested}, effective (read back from the kernel) = ${ln.backlog.effective}`,
);

// Nobody accepts yet: these connections wait in the kernel's queue, and
// only backlog + 1 of them complete their handshake (Linux).
const demo = Number(values.demo);
if (demo > 0) {
  const clients = [];
  let completed = 0;
  for (let i = 0; i < demo; i++) {
    const c = net.connect(ln.addr().port, '127.0.0.1', () => completed++);
    c.on('error', () => {});
    c.on('data', () => {});
    clients.push(c);
  }
  await new Promise((r) => setTimeout(r, 300));
  console.log(
    `demo: ${demo} clients dialed, ${completed} handshakes completed, queued() = ${ln.queued() ?? 'not reported on this OS'}`,
  );
  for (const c of clients) c.end();
}

const server = http.createServer((req, res) => {
  res.end(`hello from ${ln.addr()} (backlog ${ln.backlog.effective})\n`);
});

if (values['exit-after-demo']) {
  await ln.close();
} else {
  console.log(`serving: curl http://${ln.addr()}/  (Ctrl-C to stop)`);
  // serve() keeps every protection of server.listen() (timeouts,
  // maxConnections, close); Ctrl-C shuts down as Go's Server.Shutdown.
  const serving = serve(ln, server);
  process.once('SIGINT', async () => {
    await serving.shutdown({ signal: AbortSignal.timeout(5000) }).catch(() => serving.close());
    console.log('closed');
  });
}
