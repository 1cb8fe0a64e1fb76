// Experiment: accept-path CPU per connection of the two adoptions (see
// adopt-server.mjs) and net.Server, interleaved, N rounds.
//   node bench/experiments/adopt.mjs [rounds] [seconds]
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from '../lib/build.mjs';
import { startServer, runLoad } from '../lib/proc.mjs';
import { ratio, rotated, summary } from '../lib/stats.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const rounds = Number(process.argv[2] ?? 7);
const seconds = Number(process.argv[3] ?? 2);
const bins = build();
const opt = JSON.stringify({ kind: 'lc', mode: 'close' });
const contenders = [
  { name: 'fd', args: [path.join(here, 'adopt-server.mjs'), opt, 'fd'] },
  { name: 'handle', args: [path.join(here, 'adopt-server.mjs'), opt, 'handle'] },
  { name: 'net.Server', args: [path.join(here, '..', 'servers', 'node.mjs'), JSON.stringify({ kind: 'net', mode: 'close' })] },
];
const cpu = Object.fromEntries(contenders.map((c) => [c.name, []]));
for (let r = 0; r < rounds; r++) {
  for (const c of rotated(contenders, r)) {
    const s = await startServer(process.execPath, c.args);
    await runLoad(bins.loadgen, ['rate', '127.0.0.1', s.port, 32, 0.3]);
    const a = await s.ask('stats');
    await runLoad(bins.loadgen, ['rate', '127.0.0.1', s.port, 32, seconds]);
    const b = await s.ask('stats');
    await s.stop();
    const us = (b.user_us - a.user_us + b.sys_us - a.sys_us) / (b.accepted - a.accepted);
    cpu[c.name].push(us);
    console.log(`round ${r + 1} ${c.name.padEnd(10)} ${us.toFixed(1)} µs CPU/conn`);
  }
}
for (const c of contenders) console.log(c.name.padEnd(10), summary(cpu[c.name]));
console.log('handle / fd', ratio(cpu.handle, cpu.fd));
console.log('fd / net.Server', ratio(cpu.fd, cpu['net.Server']));
console.log('handle / net.Server', ratio(cpu.handle, cpu['net.Server']));
