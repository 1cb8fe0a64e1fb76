// The across-cores contenders (scenario cores.mjs), n processes or threads
// accepting on one port, each connection closed at once. Same stdin/stdout
// protocol as node.mjs ("stats", "exit"); stats sum every member's accepted
// count and CPU time.
//
//   node servers/workers.mjs '{"shape":"threads"|"cluster-reuseport"|"cluster","n":N}'
//
// threads: n worker threads, each a ListenConfig listener with SO_REUSEPORT
//   set in Control (examples/reuseport-workers.mjs): the kernel spreads the
//   connections. process.cpuUsage() counts every thread.
// cluster-reuseport: the same listener in n cluster worker processes.
// cluster: Node's cluster, net.Server in n workers; the primary accepts and
//   hands each connection to a worker in turn (round-robin, the default).
import cluster from 'node:cluster';
import * as net from 'node:net';
import { createInterface } from 'node:readline';
import { Worker, isMainThread, workerData } from 'node:worker_threads';
import { ListenConfig, constants, setsockopt } from 'listenconfig';

const opt = isMainThread ? JSON.parse(process.env.LC_WORKERS_OPT ?? process.argv[2]) : workerData.opt;

const reuseport = new ListenConfig({
  control(network, address, raw) {
    raw.control((fd) => setsockopt(fd, constants.SOL_SOCKET, constants.SO_REUSEPORT, 1));
  },
});

async function acceptOn(port, count) {
  const ln = await reuseport.listen('tcp', `127.0.0.1:${port}`);
  void (async () => {
    for (;;) {
      const c = await ln.accept();
      count();
      c.destroy();
    }
  })();
  return ln.addr().port;
}

function protocol(port, stats) {
  process.stdout.write(JSON.stringify({ port, n: opt.n, shape: opt.shape }) + '\n');
  const rl = createInterface({ input: process.stdin });
  rl.on('line', async (line) => {
    if (line === 'stats') process.stdout.write(JSON.stringify(await stats()) + '\n');
    else if (line === 'exit') process.exit(0);
  });
  rl.on('close', () => process.exit(0));
}

const cpu = () => {
  const u = process.cpuUsage();
  return { user_us: u.user, sys_us: u.system };
};

if (opt.shape === 'threads') {
  if (isMainThread) {
    const counts = new Int32Array(new SharedArrayBuffer(4 * opt.n));
    // The first listener picks the port, the others join its group.
    let port = 0;
    for (let i = 0; i < opt.n; i++) {
      const w = new Worker(new URL(import.meta.url), { workerData: { opt, id: i, port, counts } });
      port = await new Promise((resolve, reject) => w.once('message', resolve).once('error', reject));
    }
    protocol(port, () => ({ accepted: counts.reduce((a, b) => a + b, 0), ...cpu() }));
  } else {
    const { id, port, counts } = workerData;
    const { parentPort } = await import('node:worker_threads');
    parentPort.postMessage(await acceptOn(port, () => Atomics.add(counts, id, 1)));
  }
} else if (cluster.isPrimary) {
  process.env.LC_WORKERS_OPT = JSON.stringify(opt);
  const workers = [];
  let port = 0;
  for (let i = 0; i < opt.n; i++) {
    const w = cluster.fork({ LC_WORKERS_PORT: String(port) });
    port = await new Promise((resolve) => w.once('message', (m) => resolve(m.port)));
    workers.push(w);
  }
  let seq = 0;
  const ask = (w) =>
    new Promise((resolve) => {
      const id = ++seq;
      const on = (m) => m.id === id && (w.off('message', on), resolve(m));
      w.on('message', on);
      w.send({ stats: id });
    });
  protocol(port, async () => {
    const all = await Promise.all(workers.map(ask));
    const own = cpu();
    return {
      accepted: all.reduce((a, m) => a + m.accepted, 0),
      user_us: own.user_us + all.reduce((a, m) => a + m.user_us, 0),
      sys_us: own.sys_us + all.reduce((a, m) => a + m.sys_us, 0),
    };
  });
} else {
  let accepted = 0;
  let port;
  if (opt.shape === 'cluster-reuseport') {
    port = await acceptOn(Number(process.env.LC_WORKERS_PORT), () => accepted++);
  } else {
    const server = net.createServer((c) => {
      accepted++;
      c.destroy();
    });
    // Port 0 in a cluster worker: the primary binds once, all share it.
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = server.address().port;
  }
  process.on('message', (m) => m.stats && process.send({ id: m.stats, accepted, ...cpu() }));
  process.send({ port });
}
