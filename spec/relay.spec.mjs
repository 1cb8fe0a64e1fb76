// The relay (#19): a listening socket handed from process to process ten
// times in a chain (ln.file() -> spawn with it as descriptor 3 ->
// fileListener(3) -> ready -> the old one stops accepting and exits) while
// a C client connects continuously; every connection must read the
// server's answer. Beside it, the naive restart (net.Server closes, a new
// process retries listen() every 2 ms) for the figure the relay removes.
import { expect } from './expect.mjs';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { buildCFixtures, repoRoot, until } from './helpers.mjs';
import { alive, readLog } from './fixtures/procs.mjs';

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
    ({
      dir,
      bins: { relay_client: client },
    } = buildCFixtures(this, 'lc-relay-', 'relay_client'));
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

// Serves with relay-teardown.mjs under the load and, once the load runs,
// hands the listener to `other` (descriptor 3); returns the client's
// counts and the server's log once the other process has exited and the
// load ran SERVE_MS more.
async function shareWith(client, dir, tag, other) {
  const log = join(dir, `teardown-${tag}.log`);
  const server = spawn(process.execPath, [join(repoRoot, 'spec/fixtures/relay-teardown.mjs'), log, ...other], {
    cwd: repoRoot,
    stdio: ['pipe', 'ignore', 'inherit'],
  });
  try {
    await until(() => readLog(log).some((e) => e.event === 'ready'), 10_000, 'the server');
    const { port } = readLog(log).find((e) => e.event === 'ready');
    const load = spawn(client, ['127.0.0.1', String(port), String(RATE), '64'], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    load.stdout.on('data', (d) => (out += d));
    const loadDone = new Promise((r) => load.on('close', r));
    await new Promise((r) => setTimeout(r, SERVE_MS));
    server.stdin.write('go\n');
    await until(() => readLog(log).some((e) => e.event === 'other-exited'), 10_000, 'the other process to exit');
    await new Promise((r) => setTimeout(r, SERVE_MS));
    load.stdin.end();
    await loadDone;
    server.kill('SIGTERM');
    await until(() => !alive(server.pid), 10_000, 'the server to exit');
    return { result: JSON.parse(out.trim()), entries: readLog(log) };
  } finally {
    if (alive(server.pid)) server.kill('SIGKILL');
  }
}

// What loses connections when two processes share a listening socket:
// tearing the socket itself down, never one process closing its copy.
describe('relay: what loses connections on a shared listener', function () {
  this.timeout(60_000);
  let dir;
  let client;
  let shutdownFd;
  before(function () {
    ({
      dir,
      bins: { relay_client: client, shutdown_fd: shutdownFd },
    } = buildCFixtures(this, 'lc-teardown-', 'relay_client', 'shutdown_fd'));
  });
  after(() => {
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  });

  const other = (...args) => [process.execPath, join(repoRoot, 'spec/fixtures/relay-other.mjs'), ...args];

  const events = (entries) => entries.filter((e) => e.event !== 'ready').map(({ pid, ...e }) => e);

  // Every connection read its answer, and the load really ran: at least a
  // quarter of what the client was asked to start (RATE a second) over
  // its own reported run, a floor that follows a busy machine's slower
  // clock where a fixed count does not.
  const servedAll = (result) => {
    expect(result.failed).to.equal(0);
    expect(result.ok).to.equal(result.connections);
    expect(result.connections).to.be.at.least(Math.floor((RATE * result.seconds) / 4));
  };

  // Measured on Linux 6.18 (2,000 connections/s): shutdown(SHUT_RD or
  // SHUT_RDWR) on a listening socket runs tcp_disconnect, which resets the
  // connections in the accept queue and leaves the socket bound but
  // closed for every process that holds it: the server's accept(2) fails
  // with EINVAL and each later connect is refused (about 600 of 1,200 here).
  // The package never calls shutdown(2) on a listener, nor does Node.
  for (const how of ['rdwr', 'rd']) {
    it(`shutdown(SHUT_${how.toUpperCase()}) by another process tears the shared socket down: the server loses connections`, async () => {
      const { result, entries } = await shareWith(client, dir, `shutdown-${how}`, [shutdownFd, '3', how]);
      console.log(`    shutdown ${how}: ${JSON.stringify(result)}`);
      expect(events(entries)).to.deep.include({ event: 'other-exited', code: 0 });
      expect(entries.find((e) => e.event === 'accept-error')?.code).to.equal('EINVAL');
      expect(result.ok).to.be.above(100);
      expect(result.refused).to.be.above(0);
      expect(result.failed).to.be.above(0);
    });
  }

  // SHUT_WR alone: Linux's inet_shutdown leaves a listening socket alone
  // unless the receive side is shut (measured: 0 of 1,200 lost).
  it('shutdown(SHUT_WR) by another process leaves a listener serving', async () => {
    const { result, entries } = await shareWith(client, dir, 'shutdown-wr', [shutdownFd, '3', 'wr']);
    expect(events(entries)).to.deep.equal([{ event: 'other-exited', code: 0 }, { event: 'closed' }]);
    servedAll(result);
  });

  // close(2) drops one reference to the open file description; the socket
  // lives while any process holds a descriptor of it (measured: 0 lost).
  it('a child that closes descriptor 3 without duplicating it: the parent loses nothing', async () => {
    const { result, entries } = await shareWith(client, dir, 'close-fd', other('close-fd'));
    expect(events(entries)).to.deep.equal([{ event: 'other-exited', code: 0 }, { event: 'closed' }]);
    servedAll(result);
  });

  it("fileListener(3) serving beside the parent, then the package's close of its copy: the parent loses nothing", async () => {
    const { result, entries } = await shareWith(client, dir, 'serve-close', other('serve-close', String(SERVE_MS)));
    expect(events(entries)).to.deep.equal([{ event: 'other-exited', code: 0 }, { event: 'closed' }]);
    servedAll(result);
  });
});
