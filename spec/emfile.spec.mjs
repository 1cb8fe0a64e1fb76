// Descriptor exhaustion (issue 10): a server under `prlimit --nofile=64`
// meets EMFILE while clients keep arriving. The for-await loop must not end
// (throw once and never accept again) nor spin (an accept() loop that
// retries at once takes ~940,000 rejections in 5 s): it
// pauses as Go's http.Server does, the clients wait in the kernel's queue,
// and every one is served once descriptors free up.
import { expect } from './expect.mjs';
import { spawn, spawnSync } from 'node:child_process';
import * as net from 'node:net';
import * as readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { within } from './helpers.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const stress = process.env.LC_STRESS === '1';

function havePrlimit() {
  return spawnSync('prlimit', ['--version'], { stdio: 'ignore' }).status === 0;
}

// Starts the fixture under prlimit; resolves its port and a promise of its
// report (the JSON line it prints once `total` connections were served).
async function startServer(total, hold, mode = '') {
  const child = spawn(
    'prlimit',
    ['--nofile=64:64', process.execPath, 'spec/fixtures/emfile-server.mjs', String(total), String(hold), mode],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const lines = readline.createInterface({ input: child.stdout });
  const next = () => new Promise((resolve) => lines.once('line', (l) => resolve(JSON.parse(l))));
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stderr })));
  const { port } = await within(next(), 10_000, 'the server under prlimit');
  return { child, port, report: next(), exited };
}

// Opens n connections at once; resolves what each received.
function clients(port, n) {
  return Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise((resolve) => {
          const s = net.connect(port, '127.0.0.1');
          let got = '';
          s.on('data', (d) => (got += d));
          s.on('error', (e) => resolve(e.code));
          s.on('close', () => resolve(got));
        }),
    ),
  );
}

describe('descriptor exhaustion (EMFILE under prlimit)', function () {
  this.timeout(stress ? 300_000 : 60_000);
  before(function () {
    if (process.platform !== 'linux' || !havePrlimit()) {
      console.log("    skipped: needs Linux and prlimit (util-linux) to cap the server's descriptors");
      this.skip();
    }
  });

  const runs = stress ? 3 : 1;
  const total = stress ? 600 : 200;
  it(`for await keeps serving through EMFILE: ${total} clients, 64 descriptors, none lost, CPU near 0 while exhausted (${runs} run${runs > 1 ? 's' : ''})`, async function () {
    for (let run = 0; run < runs; run++) {
      const server = await startServer(total, 1500);
      try {
        const got = await within(clients(server.port, total), stress ? 240_000 : 50_000, `${total} clients served`);
        const report = await within(server.report, 5000, 'the server report');
        const { code, stderr } = await server.exited;
        expect(code, stderr.slice(0, 400)).to.equal(0);
        expect(got.filter((g) => g === 'ok').length, `what clients got: ${[...new Set(got)]}`).to.equal(total);
        expect(report.served).to.equal(total);
        expect(report.codes).to.deep.equal(['EMFILE']);
        expect(report.allTemporary).to.equal(true);
        // Go's backoff: 5 ms doubling to 1 s.
        expect(report.pauses.slice(0, 5)).to.deep.equal([5, 10, 20, 40, 80]);
        expect(Math.max(...report.pauses)).to.be.at.most(1000);
        // Exhausted for about the hold time; a spinning loop would burn
        // all of it. Loose bound: this is a shared 2-core machine.
        expect(report.exhaustedMs).to.be.above(500);
        expect(report.exhaustedCpuMs / report.exhaustedMs, JSON.stringify(report)).to.be.below(0.2);
        // The next try after a release comes within the longest pause.
        expect(report.recoveryMs).to.be.a('number').and.below(1500);
        console.log(
          `      EMFILE: ${report.retries} retries; exhausted ${Math.round(report.exhaustedMs)} ms using ` +
            `${report.exhaustedCpuMs.toFixed(1)} ms CPU; accepting again ${Math.round(report.recoveryMs)} ms after a release`,
        );
      } finally {
        server.child.kill();
      }
    }
  });

  it('for await over limitListener(ln, n) keeps serving through EMFILE too: 120 clients, none lost', async function () {
    const server = await startServer(120, 1000, 'limit');
    try {
      const got = await within(clients(server.port, 120), 50_000, '120 clients served');
      const report = await within(server.report, 5000, 'the server report');
      const { code, stderr } = await server.exited;
      expect(code, stderr.slice(0, 400)).to.equal(0);
      expect(got.filter((g) => g === 'ok').length, `what clients got: ${[...new Set(got)]}`).to.equal(120);
      expect(report.codes).to.deep.equal(['EMFILE']);
      expect(report.pauses.slice(0, 3)).to.deep.equal([5, 10, 20]);
    } finally {
      server.child.kill();
    }
  });
});
