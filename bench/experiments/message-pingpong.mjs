// Round trips per second and CPU per round trip of one message socket
// pair in one process: the package's unixgram (UnixConn: readFrom/writeTo
// over the native poller) against Node's own UDP on loopback (dgram) as
// the yardstick. Both sides live in this process, so the CPU figure is
// the cost of both ends of a round trip.
//   node bench/experiments/message-pingpong.mjs [rounds] [repeats]
import * as dgram from 'node:dgram';
import { listenPacket } from 'listenconfig';

const rounds = Number(process.argv[2] ?? 50_000);
const repeats = Number(process.argv[3] ?? 3);
const msg = Buffer.alloc(64);

async function unixgram() {
  const a = await listenPacket('unixgram', '');
  const b = await listenPacket('unixgram', '');
  const buf = Buffer.alloc(256);
  const echo = (async () => {
    for (let i = 0; i < rounds; i++) {
      const { n, addr } = await b.readFrom(buf);
      await b.writeTo(buf.subarray(0, n), addr);
    }
  })();
  for (let i = 0; i < rounds; i++) {
    await a.writeTo(msg, b.localAddr());
    await a.readFrom(buf);
  }
  await echo;
  await a.close();
  await b.close();
}

async function udp() {
  const a = dgram.createSocket('udp4');
  const b = dgram.createSocket('udp4');
  await new Promise((r) => a.bind(0, '127.0.0.1', r));
  await new Promise((r) => b.bind(0, '127.0.0.1', r));
  b.on('message', (m, rinfo) => b.send(m, rinfo.port, rinfo.address));
  let left = rounds;
  await new Promise((resolve) => {
    a.on('message', () => (--left === 0 ? resolve() : a.send(msg, b.address().port, '127.0.0.1')));
    a.send(msg, b.address().port, '127.0.0.1');
  });
  a.close();
  b.close();
}

async function measure(name, fn) {
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await fn();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  const cpuUs = (cpu.user + cpu.system) / rounds;
  return { name, perSec: Math.round((rounds / ms) * 1000), cpuUsPerRoundTrip: Number(cpuUs.toFixed(2)) };
}

await unixgram(); // warm up
await udp();
for (let r = 0; r < repeats; r++) {
  // Interleaved, so drift in the machine's load touches both alike.
  console.log(JSON.stringify(await measure('unixgram (listenconfig UnixConn)', unixgram)));
  console.log(JSON.stringify(await measure('udp4 loopback (node:dgram)', udp)));
}
