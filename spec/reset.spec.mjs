// A peer's reset on an accepted connection. Go hands it to the next Read or
// Write as an error value; in Node an 'error' nobody listens for ends the
// process. Accepted sockets therefore carry a listener that does nothing
// (lib/adopt.ts): the server survives, the error stays on the socket, and
// a listener of the user's own still receives it. The client resets with
// SO_LINGER 0 and close (socket.resetAndDestroy()), as a real RST.
import { spawn } from 'node:child_process';
import * as net from 'node:net';
import { fileURLToPath } from 'node:url';
import { expect } from './expect.mjs';
import { repoRoot, within } from './helpers.mjs';

const server = fileURLToPath(new URL('./fixtures/reset-server.mjs', import.meta.url));

async function resetOnce(args) {
  const child = spawn(process.execPath, [server, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise((resolve) => child.on('close', (code) => resolve(code)));
  try {
    const port = await within(
      new Promise((resolve) =>
        child.stdout.on('data', (d) => {
          out += d;
          const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
          if (m) resolve(Number(m[1]));
        }),
      ),
      10_000,
      'the server to listen',
    );
    const c = net.connect(port, '127.0.0.1');
    c.on('error', () => {});
    c.write('x');
    await within(new Promise((resolve) => c.once('data', resolve)), 10_000, 'the echo');
    c.resetAndDestroy();
    const code = await within(exited, 10_000, 'the server to see the reset and exit');
    expect(code, err).to.equal(0);
    return JSON.parse(out.trim().split('\n').pop());
  } finally {
    child.kill('SIGKILL');
  }
}

describe("a peer's reset on an accepted connection (SO_LINGER 0)", function () {
  this.timeout(30_000);

  it('with no error listener of the user: the server lives on, the error stays on the socket', async function () {
    const r = await resetOnce([]);
    expect(r.hadError).to.equal(true);
    expect(r.errored).to.equal('ECONNRESET');
  });

  it("a listener of the user's own still receives the error", async function () {
    const r = await resetOnce(['--user-handler']);
    expect(r.seen).to.deep.equal(['ECONNRESET']);
    expect(r.errored).to.equal('ECONNRESET');
  });
});
