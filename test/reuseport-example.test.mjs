// examples/reuseport-workers.mjs shuts down without stranding a client: a
// request made while the workers close is answered or refused/reset at
// once, never left waiting in the queue of a listener nobody accepts from.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import * as http from 'node:http';
import * as net from 'node:net';
import { fileURLToPath } from 'node:url';

const example = fileURLToPath(new URL('../examples/reuseport-workers.mjs', import.meta.url));

const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

// One request on a new connection: 'ok', 'error' (refused, reset) or 'hung'.
const request = (port) =>
  new Promise((resolve) => {
    const req = http.get({ port, host: '127.0.0.1', agent: false, timeout: 3000 }, (res) => {
      res.resume();
      res.on('end', () => resolve('ok'));
      res.on('error', () => resolve('error'));
    });
    req.on('timeout', () => {
      req.destroy();
      resolve('hung');
    });
    req.on('error', () => resolve('error'));
  });

describe('examples/reuseport-workers.mjs', function () {
  this.timeout(30_000);
  it('SIGTERM under traffic: every worker closes, the process exits 0, and no request is left hanging', async function () {
    const port = await freePort();
    const child = spawn(process.execPath, [example, '2', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise((resolve) => child.on('exit', (code, sig) => resolve(code ?? sig)));
    const deadline = Date.now() + 10_000;
    while (!out.includes('all 2 workers listening')) {
      if (Date.now() > deadline) throw new Error(`the example did not start: ${out}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const outcomes = [];
    let stop = false;
    const clients = Array.from({ length: 8 }, async () => {
      while (!stop) outcomes.push(await request(port));
    });
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('did not exit in 10 s'), 10_000))]);
    // Keep knocking a moment after the exit: refused at once, not hung.
    await new Promise((r) => setTimeout(r, 200));
    stop = true;
    await Promise.all(clients);
    if (code !== 0) child.kill('SIGKILL');
    expect(code, out).to.equal(0);
    expect(out)
      .to.match(/worker 0 closed/)
      .and.match(/worker 1 closed/)
      .and.match(/all workers closed/);
    expect(outcomes.filter((o) => o === 'ok').length, 'requests served before the shutdown').to.be.above(0);
    expect(outcomes.filter((o) => o === 'hung').length, 'requests left waiting 3 s').to.equal(0);
  });

  it('a port that is taken: each worker reports it and the process exits 1 by itself', async function () {
    // A listener without SO_REUSEPORT keeps the workers out of the port.
    const holder = net.createServer();
    await new Promise((r) => holder.listen(0, r));
    const { port } = holder.address();
    try {
      const child = spawn(process.execPath, [example, '2', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      const exited = new Promise((resolve) => child.on('exit', (code, sig) => resolve(code ?? sig)));
      const code = await Promise.race([
        exited,
        new Promise((r) => setTimeout(() => r('did not exit in 10 s'), 10_000)),
      ]);
      if (code !== 1) child.kill('SIGKILL');
      expect(code, out).to.equal(1);
      expect(out)
        .to.match(/worker 0: .*address already in use/)
        .and.match(/worker 1: .*address already in use/);
    } finally {
      holder.close();
    }
  });
});
