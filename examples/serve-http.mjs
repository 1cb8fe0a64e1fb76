// An http.Server on a ListenConfig listener through serve(): Node's
// timeouts and close() work as after server.listen(), at most
// --max-concurrent connections are open (the rest wait in the kernel's
// queue), and SIGINT/SIGTERM shut down gracefully as Go's Server.Shutdown,
// giving in-flight requests 10 s before closing what is left.
// Run: npm run build && node examples/serve-http.mjs [--port P] [--max-concurrent N]
import * as http from 'node:http';
import { parseArgs } from 'node:util';
import { ListenConfig, serve } from 'listenconfig';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8080' },
    host: { type: 'string', default: '127.0.0.1' },
    backlog: { type: 'string', default: '0' },
    'max-concurrent': { type: 'string', default: '1000' },
  },
});

const server = http.createServer({ headersTimeout: 10000, requestTimeout: 30000 }, (req, res) => {
  res.end(`hello from ${server.address().address}:${server.address().port}\n`);
});
const ln = await new ListenConfig({ backlog: Number(values.backlog) }).listen('tcp', `${values.host}:${values.port}`);
const serving = serve(ln, server, {
  maxConcurrent: Number(values['max-concurrent']),
  onError: (err, ms) => console.error(`accept: ${err.message}; retrying in ${ms} ms`),
});
server.on('listening', () => console.log(`listening on ${ln.addr()} (backlog ${ln.backlog.effective})`));

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, async () => {
    console.log(`${sig}: shutting down`);
    try {
      await serving.shutdown({ signal: AbortSignal.timeout(10000) });
    } catch {
      console.log('requests still running after 10 s; closing them');
      await serving.close();
    }
  });
}
