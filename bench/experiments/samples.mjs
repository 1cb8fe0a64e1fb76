// perf samples per 1000 requests, in all and under the frames that differ
// between one event-loop turn per connection and one per batch (issue 13).
//   node samples.mjs perf.data REQUESTS [frame-regexp ...]
import { execFileSync } from 'node:child_process';

const [data, reqs, ...more] = process.argv.slice(2);
const patterns = more.length
  ? more
  : [
      'uv__io_poll',
      'uv__server_io|Acceptor::OnPoll',
      'InternalCallbackScope::Close',
      'processTicksAndRejections',
      'JS:.*Socket node:net',
      'parserOnHeadersComplete|parserOnIncoming',
      '__sys_accept4',
      'epoll_pwait',
    ];
const text = execFileSync('perf', ['script', '-i', data, '-F', 'ip,sym'], { maxBuffer: 1 << 30, encoding: 'utf8' });
// perf script prints one sample's stack per block, blocks apart by a blank line.
const stacks = text
  .split(/\n\s*\n/)
  .map((b) => b.split('\n').map((l) => l.trim().split(/\s+/).slice(1).join(' ')))
  .filter((s) => s.some(Boolean));
const per = (n) => ((n / Number(reqs)) * 1000).toFixed(1);
console.log(`  ${stacks.length} samples (${per(stacks.length)} per 1000 requests; 1 sample ≈ 0.5 ms of CPU)`);
for (const p of patterns) {
  const rx = new RegExp(p);
  const n = stacks.filter((s) => s.some((f) => rx.test(f))).length;
  console.log(
    `  ${p.padEnd(42)} ${((n / stacks.length) * 100).toFixed(1).padStart(5)}%  ${per(n).padStart(6)} per 1000 requests`,
  );
}
