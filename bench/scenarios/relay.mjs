// 8. The relay (#19): connections lost while a server restarts. A C client
// (spec/fixtures/relay_client.c) starts 2,000 connections a second, each
// of which must read the server's answer, while the server restarts in a
// chain: handed on (ln.file() -> spawn -> fileListener(3), the fixture of
// spec/relay.spec.mjs), or the naive way (net.Server closes, the next
// process retries listen() every 2 ms).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { repoDir } from '../lib/build.mjs';
import { rotated, summary } from '../lib/stats.mjs';
import { alive, readLog, until } from '../../spec/fixtures/procs.mjs';

const fixtures = path.join(repoDir, 'spec', 'fixtures');

async function chain(client, fixture, { handoffs, serveMs, rate }) {
  const dir = fs.mkdtempSync(path.join(tmpdir(), 'lc-bench-relay-'));
  const log = path.join(dir, 'log');
  try {
    spawn(process.execPath, [path.join(fixtures, fixture), '0', String(handoffs), String(serveMs), log], {
      cwd: repoDir,
      stdio: ['ignore', 'ignore', 'inherit'],
    }).unref();
    await until(() => readLog(log).some((e) => e.event === 'ready'), 10_000, 'generation 0');
    const { port } = readLog(log).find((e) => e.event === 'ready');
    const load = spawn(client, ['127.0.0.1', String(port), String(rate), '64'], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    load.stdout.on('data', (d) => (out += d));
    const done = new Promise((r) => load.on('close', r));
    await until(
      () => readLog(log).some((e) => e.event === 'ready' && e.gen === handoffs),
      60_000,
      'the last generation',
    );
    await new Promise((r) => setTimeout(r, serveMs));
    load.stdin.end();
    await done;
    const last = readLog(log).find((e) => e.event === 'ready' && e.gen === handoffs);
    process.kill(last.pid, 'SIGTERM');
    const pids = [...new Set(readLog(log).map((e) => e.pid))];
    await until(() => pids.every((p) => !alive(p)), 10_000, 'every generation to exit');
    return JSON.parse(out.trim());
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function relay(ctx) {
  const { bins, quick, log } = ctx;
  if (process.platform !== 'linux') return { skipped: 'relay: the chain is watched through /proc (Linux)' };
  const rounds = ctx.rounds ?? (quick ? 1 : 3);
  const params = { handoffs: quick ? 3 : 10, serveMs: quick ? 100 : 300, rate: 2000 };
  const contenders = [
    { name: 'handed on (ln.file, fileListener)', fixture: 'relay-server.mjs' },
    { name: 'naive restart (close, retry listen)', fixture: 'relay-naive.mjs' },
  ];
  const runs = Object.fromEntries(contenders.map((c) => [c.name, []]));
  for (let r = 0; r < rounds; r++) {
    for (const c of rotated(contenders, r)) {
      const out = await chain(bins.relayClient, c.fixture, params);
      runs[c.name].push(out);
      log(
        `relay  round ${r + 1}/${rounds}  ${c.name.padEnd(36)} ${String(out.connections).padStart(6)} conns  ${String(out.failed).padStart(5)} failed (${out.refused} refused, ${out.reset} reset)`,
      );
    }
  }
  const result = { ...params, rounds, contenders: {} };
  for (const c of contenders) {
    result.contenders[c.name] = {
      connections: summary(runs[c.name].map((x) => x.connections)),
      failed: summary(runs[c.name].map((x) => x.failed)),
      runs: runs[c.name],
    };
  }
  return result;
}
