// The relay (#19): a listening socket handed from process to process ten
// times in a chain (ln.file() -> spawn with it as descriptor 3 ->
// fileListener(3) -> ready -> the old one stops accepting and exits) while
// a C client connects continuously; every connection must read the
// server's answer. Beside it, the naive restart (net.Server closes, a new
// process retries listen() every 2 ms) for the figure the relay removes.
import { expect } from './expect.mjs';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { missingTools, repoRoot, until } from './helpers.mjs';
import { alive, readLog, skip } from './fixtures/procs.mjs';

const HANDOFFS = 10;
const SERVE_MS = 300;
const RATE = 2000;

// Runs one chain of `fixture` under load; returns the client's counts and
// the log.
async function chain(client, fixture, dir) {
  const log = join(dir, `${fixture}.log`);
  const first = spawn(
    process.execPath,
    [join(repoRoot, 'spec/fixtures', fixture), '0', String(HANDOFFS), String(SERVE_MS), log],
    { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  first.unref();
  await until(() => readLog(log).some((e) => e.event === 'ready'), 10_000, 'generation 0');
  const { port } = readLog(log).find((e) => e.event === 'ready');
  const load = spawn(client, ['127.0.0.1', String(port), String(RATE), '64'], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  load.stdout.on('data', (d) => (out += d));
  const loadDone = new Promise((r) => load.on('close', r));
  await until(
    () => readLog(log).some((e) => e.event === 'ready' && e.gen === HANDOFFS),
    60_000,
    `generation ${HANDOFFS}`,
  );
  await new Promise((r) => setTimeout(r, SERVE_MS));
  load.stdin.end();
  await loadDone;
  const lastReady = readLog(log).find((e) => e.event === 'ready' && e.gen === HANDOFFS);
  process.kill(lastReady.pid, 'SIGTERM');
  const pids = [...new Set(readLog(log).map((e) => e.pid))];
  await until(() => pids.every((p) => !alive(p)), 10_000, 'every generation to exit');
  return { result: JSON.parse(out.trim()), entries: readLog(log), pids };
}

describe('relay: a listener handed on ten times under load', function () {
  this.timeout(180_000);
  let dir;
  let client;
  before(function () {
    if (process.platform !== 'linux') return skip(this, 'the C client and /proc are Linux');
    const missing = missingTools('gcc');
    if (missing !== undefined) return skip(this, missing);
    dir = fs.mkdtempSync(join(tmpdir(), 'lc-relay-'));
    client = join(dir, 'relay_client');
    const r = spawnSync('gcc', ['-O2', '-o', client, join(repoRoot, 'spec/fixtures/relay_client.c')], {
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`gcc: ${r.stderr}`);
  });
  after(() => {
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('ln.file() -> spawn -> fileListener(3): 0 failed connections, every process exits', async () => {
    const { result, entries, pids } = await chain(client, 'relay-server.mjs', dir);
    console.log(`    relay: ${JSON.stringify(result)}`);
    expect(entries.filter((e) => e.event === 'child-failed')).to.deep.equal([]);
    expect(pids.length).to.equal(HANDOFFS + 1);
    expect(entries.filter((e) => e.event === 'ready').length).to.equal(HANDOFFS + 1);
    expect(entries.filter((e) => e.event === 'closed').length).to.equal(HANDOFFS + 1);
    expect(result.connections).to.be.above(1000);
    expect(result.failed).to.equal(0);
    expect(result.ok).to.equal(result.connections);
  });

  it('the naive restart beside it (the figure; not asserted)', async () => {
    const { result, entries, pids } = await chain(client, 'relay-naive.mjs', dir);
    console.log(`    naive restart: ${JSON.stringify(result)}`);
    expect(pids.length).to.equal(HANDOFFS + 1);
    expect(entries.filter((e) => e.event === 'ready').length).to.equal(HANDOFFS + 1);
    expect(result.connections).to.be.above(1000);
  });
});
