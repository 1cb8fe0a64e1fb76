// System calls and heap bytes per accepted connection of a bench server
// (servers/node.mjs, mode close) under loadgen's closed loop, from
// strace -c -f (docs/benchmarks.md, "Cost growth"). Needs strace and bench/.build/loadgen
// (npm run bench:quick builds it):
//   node bench/experiments/syscalls-per-conn.mjs lc|net CLIENTS [SECONDS]
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
const repo = fileURLToPath(new URL('../..', import.meta.url));
const [kind, clients, secs] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4] ?? 2)];
const child = spawn(
  process.execPath,
  [`${repo}/bench/servers/node.mjs`, JSON.stringify({ kind, mode: 'close', keep: 0 })],
  { stdio: ['pipe', 'pipe', 'inherit'] },
);
const lines = createInterface({ input: child.stdout });
const it = lines[Symbol.asyncIterator]();
const first = JSON.parse((await it.next()).value);
const ask = async (l) => {
  child.stdin.write(l + '\n');
  return JSON.parse((await it.next()).value);
};
spawnSync(`${repo}/bench/.build/loadgen`, ['rate', '127.0.0.1', String(first.port), String(clients), '0.3']);
const out = `${tmpdir()}/lc-strace-${process.pid}.txt`;
const st = spawn('strace', ['-c', '-f', '-o', out, '-p', String(child.pid)]);
await new Promise((r) => setTimeout(r, 500));
const before = await ask('stats');
spawnSync(`${repo}/bench/.build/loadgen`, ['rate', '127.0.0.1', String(first.port), String(clients), String(secs)]);
const after = await ask('stats');
st.kill('SIGINT');
await new Promise((r) => st.on('exit', r));
child.kill();
const n = after.accepted - before.accepted;
const txt = readFileSync(out, 'utf8');
const rows = {};
for (const line of txt.split('\n')) {
  const m = /^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\w+)\s*$/.exec(line);
  if (m) rows[m[2]] = (Number(m[1]) / n).toFixed(2);
}
console.log(
  JSON.stringify({
    kind,
    clients,
    accepted: n,
    heapPerConn: Math.round((after.heap_alloc_bytes - before.heap_alloc_bytes) / n),
    perConn: rows,
  }),
);
