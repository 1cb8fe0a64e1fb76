// Long runs of serve() and limitListener (the stress suite, its own mocha
// config): hundreds of rounds of what spec/serve*.spec.mjs checks once,
// watching for descriptors and listeners that accumulate.
import { expect } from '../expect.mjs';
import * as http from 'node:http';
import * as net from 'node:net';
import { ListenConfig, limitListener, listen, serve } from 'listenconfig';
import { fdCount, until, within } from '../helpers.mjs';

const ROUNDS = Number(process.env.STRESS_ROUNDS ?? 300);

function get(port, agent, path = '/') {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent }, (res) => {
        let d = '';
        res.on('data', (x) => (d += x)).on('end', () => resolve(d));
      })
      .on('error', reject);
  });
}

describe('stress: serve()', function () {
  this.timeout(0);

  it(`${ROUNDS} rounds of serve(), 10 requests, close(): no descriptor or listener left behind`, async function () {
    const fds = fdCount();
    for (let i = 0; i < ROUNDS; i++) {
      const ln = await listen('tcp', '127.0.0.1:0');
      const server = http.createServer((req, res) => res.end(req.url));
      const s = serve(ln, server);
      const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
      const bodies = await Promise.all(Array.from({ length: 10 }, (_, j) => get(ln.addr().port, agent, `/${j}`)));
      expect(bodies[9]).to.equal('/9');
      await within(s.close(), 5000, `close() in round ${i}`);
      agent.destroy();
      expect(server.listenerCount('session'), 'serve() removes what it added').to.equal(0);
    }
    await until(() => fdCount() <= fds + 2, 5000, 'descriptors to return to where they were');
  });

  it(`${ROUNDS} graceful shutdowns, each with requests in flight: every request completes`, async function () {
    for (let i = 0; i < ROUNDS; i++) {
      const ln = await listen('tcp', '127.0.0.1:0');
      let arrived = 0;
      const server = http.createServer({ keepAliveTimeout: 30000 }, (req, res) => {
        arrived++;
        setTimeout(() => res.end('done'), 1 + (i % 7));
      });
      const s = serve(ln, server);
      const agent = new http.Agent({ keepAlive: true });
      const inflight = Array.from({ length: 5 }, () => get(ln.addr().port, agent));
      await until(() => arrived === 5, 5000, `requests of round ${i} to arrive`);
      const shut = s.shutdown();
      expect(await Promise.all(inflight)).to.deep.equal(Array(5).fill('done'));
      await within(shut, 5000, `shutdown() in round ${i}`);
      agent.destroy();
    }
  });

  it(`${ROUNDS} rounds of 20 clients through limitListener(ln, 3): never more than 3 open, every client served`, async function () {
    const ln = await new ListenConfig({ backlog: 64 }).listen('tcp', '127.0.0.1:0');
    const lim = limitListener(ln, 3);
    let open = 0;
    let most = 0;
    let served = 0;
    let round = 0;
    const loop = (async () => {
      for await (const c of lim) {
        most = Math.max(most, ++open);
        c.on('close', () => open--);
        c.on('error', () => {});
        setTimeout(() => c.end('x'), round % 3);
        served++;
      }
    })();
    for (; round < ROUNDS; round++) {
      await Promise.all(
        Array.from(
          { length: 20 },
          () =>
            new Promise((resolve) => {
              const c = net.connect(ln.addr().port, '127.0.0.1');
              c.on('error', () => {});
              c.resume();
              c.on('close', resolve);
            }),
        ),
      );
    }
    await until(() => open === 0, 5000, 'every connection closed');
    expect(most).to.be.at.most(3);
    expect(served).to.equal(ROUNDS * 20);
    await lim.close();
    await loop;
    expect(lim.active, 'the pending accept gave its slot back on close()').to.equal(0);
  });

  it(`${ROUNDS} rounds of serve(…, { maxConcurrent: 2 }) with 8 clients, shutdown between rounds`, async function () {
    for (let i = 0; i < ROUNDS; i++) {
      const ln = await listen('tcp', '127.0.0.1:0');
      let open = 0;
      let most = 0;
      const server = net.createServer((c) => {
        most = Math.max(most, ++open);
        c.on('close', () => open--);
        c.end('hi');
      });
      const s = serve(ln, server, { maxConcurrent: 2 });
      const got = await Promise.all(
        Array.from(
          { length: 8 },
          () =>
            new Promise((resolve) => {
              let d = '';
              const c = net.connect(ln.addr().port, '127.0.0.1');
              c.on('data', (x) => (d += x))
                .on('close', () => resolve(d))
                .on('error', () => {});
            }),
        ),
      );
      expect(got).to.deep.equal(Array(8).fill('hi'));
      expect(most).to.be.at.most(2);
      await within(s.shutdown(), 5000, `shutdown() in round ${i}`);
    }
  });
});
