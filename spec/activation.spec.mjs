// systemd socket activation (go-systemd's activation package), under the
// real systemd-socket-activate: it listens, and on the first connection
// execs the server with LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES set.
import { expect } from './expect.mjs';
import { spawn } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listen } from 'listenconfig';
import { missingTools, repoRoot, within } from './helpers.mjs';

const fixture = join(repoRoot, 'spec/fixtures/activated.mjs');

function skip(ctx, why) {
  console.log(`    skipped: ${why}`);
  ctx.skip();
}

async function freePort() {
  const ln = await listen('tcp', '127.0.0.1:0');
  const { port } = ln.addr();
  await ln.close();
  return port;
}

// Starts `cmd args`, resolving { child, report() } once the child's stderr
// contains `readyText` (systemd-socket-activate's "Listening on …").
function start(cmd, args, { readyText, env = {}, stdio } = {}) {
  const child = spawn(cmd, args, {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: stdio ?? ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const lines = [];
  let onLine;
  child.stdout.on('data', (d) => {
    out += d;
    const parts = out.split('\n');
    out = parts.pop();
    for (const l of parts) {
      lines.push(l);
      onLine?.();
    }
  });
  const ready = new Promise((resolve, reject) => {
    child.stderr.on('data', (d) => {
      err += d;
      if (readyText !== undefined && err.includes(readyText)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`${cmd} exited (${code}) before it was ready: ${err}`)));
    if (readyText === undefined) resolve();
  });
  const report = () =>
    within(
      new Promise((resolve) => {
        const check = () => lines.length > 0 && resolve(JSON.parse(lines[0]));
        onLine = check;
        check();
      }),
      15_000,
      `the activated server's report (stderr: ${err})`,
    );
  const stop = async () => {
    child.stdin?.end();
    const exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
    if (child.exitCode !== null || child.signalCode !== null) return { code: child.exitCode, signal: child.signalCode };
    const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
    const r = await exited;
    clearTimeout(t);
    return r;
  };
  return { child, ready, report, stop };
}

function read(opts) {
  return new Promise((resolve, reject) => {
    const c = net.connect(opts);
    let s = '';
    c.on('data', (d) => (s += d));
    c.on('end', () => resolve(s));
    c.on('error', reject);
  });
}

describe('activation (systemd socket activation)', function () {
  this.timeout(30_000);
  before(function () {
    if (process.platform !== 'linux') return skip(this, 'systemd socket activation is Linux');
    const missing = missingTools('systemd-socket-activate');
    if (missing !== undefined) skip(this, missing);
  });

  it('listenersWithNames: a TCP socket named web serves, the variables are unset', async () => {
    const port = await freePort();
    const s = start(
      'systemd-socket-activate',
      ['-l', `127.0.0.1:${port}`, '--fdname=web', process.execPath, fixture, 'names'],
      { readyText: 'Listening on' },
    );
    try {
      await within(s.ready, 10_000, 'systemd-socket-activate listening');
      expect(await within(read({ port, host: '127.0.0.1' }), 15_000, 'the answer')).to.equal('hello web');
      const r = await s.report();
      expect(r.envBefore.LISTEN_PID).to.equal(String(r.pid));
      expect(r.envBefore.LISTEN_FDS).to.equal('1');
      expect(r.envBefore.LISTEN_FDNAMES).to.equal('web');
      expect(r.names).to.deep.equal({ web: [`127.0.0.1:${port}`] });
      expect(r.envAfter).to.deep.equal({ LISTEN_PID: null, LISTEN_FDS: null, LISTEN_FDNAMES: null });
      expect(r.warnings).to.deep.equal([]);
    } finally {
      expect((await s.stop()).code).to.equal(0);
    }
  });

  it('listeners: a unix socket and a TCP one, in order; the socket file stays (systemd owns it)', async () => {
    const dir = fs.mkdtempSync(join(tmpdir(), 'lc-activation-'));
    const path = join(dir, 'app.sock');
    const port = await freePort();
    const s = start(
      'systemd-socket-activate',
      ['-l', path, '-l', `127.0.0.1:${port}`, process.execPath, fixture, 'listeners'],
      { readyText: `Listening on 127.0.0.1:${port}` },
    );
    try {
      await within(s.ready, 10_000, 'systemd-socket-activate listening');
      expect(await within(read({ path }), 15_000, 'the unix answer')).to.equal('hello ?');
      expect(await within(read({ port, host: '127.0.0.1' }), 15_000, 'the tcp answer')).to.equal('hello ?');
      const r = await s.report();
      expect(r.listeners).to.deep.equal([
        { kind: 'UnixListener', addr: path },
        { kind: 'TCPListener', addr: `127.0.0.1:${port}` },
      ]);
      expect((await s.stop()).code).to.equal(0);
      expect(fs.existsSync(path)).to.equal(true);
    } finally {
      await s.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('packetConns: a UDP socket echoes; listeners() gives null for it', async () => {
    const port = await freePort();
    const s = start(
      'systemd-socket-activate',
      ['--datagram', '-l', `127.0.0.1:${port}`, process.execPath, fixture, 'packet'],
      { readyText: 'Listening on' },
    );
    const c = dgram.createSocket('udp4');
    try {
      await within(s.ready, 10_000, 'systemd-socket-activate listening');
      const got = new Promise((r) => c.once('message', (m) => r(String(m))));
      // The first datagram starts the server; it reads it from the queue.
      c.send('ping', port, '127.0.0.1');
      expect(await within(got, 15_000, 'the echo')).to.equal('echo ping');
      const r = await s.report();
      expect(r.packet).to.deep.equal([port]);
    } finally {
      c.close();
      await s.stop();
    }
    const port2 = await freePort();
    const s2 = start(
      'systemd-socket-activate',
      ['--datagram', '-l', `127.0.0.1:${port2}`, process.execPath, fixture, 'listeners'],
      { readyText: 'Listening on' },
    );
    const c2 = dgram.createSocket('udp4');
    try {
      await within(s2.ready, 10_000, 'systemd-socket-activate listening');
      c2.send('ping', port2, '127.0.0.1');
      expect((await s2.report()).listeners).to.deep.equal([null]);
    } finally {
      c2.close();
      await s2.stop();
    }
  });

  // A guard on Node's behaviour, which the package relies on: systemd
  // passes the descriptors inheritable, and one activation leaves open (a
  // null of listeners(), or what files() returns) must not reach every
  // child the server spawns. Node's startup marks them close-on-exec
  // before any JavaScript runs (libuv's uv_disable_stdio_inheritance marks
  // the descriptors contiguous from 0, and systemd's are contiguous from
  // 3: /proc/self/fdinfo/3 reads flags 02100000 before activation runs),
  // so this cannot fail on activation's account under node; it fails if
  // Node stops doing that. activation's own setCloexec is go-systemd's
  // Files, for embedders that skip Node's stdio set-up.
  for (const mode of ['listeners', 'files']) {
    it(`${mode}: under node, a descriptor activation leaves open is close-on-exec (Node's start-up marks it; a spawned child does not get it)`, async () => {
      const port = await freePort();
      const s = start(
        'systemd-socket-activate',
        ['--datagram', '-l', `127.0.0.1:${port}`, '-E', 'LC_CHILD_FDS=1', process.execPath, fixture, mode],
        { readyText: 'Listening on' },
      );
      const c = dgram.createSocket('udp4');
      try {
        await within(s.ready, 10_000, 'systemd-socket-activate listening');
        c.send('ping', port, '127.0.0.1');
        const r = await s.report();
        if (mode === 'listeners') expect(r.listeners).to.deep.equal([null]);
        else expect(r.files).to.deep.equal([{ fd: 3, name: 'LISTEN_FD_3' }]);
        // Still open here, for the caller to use,
        expect(r.fd3).to.match(/^socket:\[\d+\]$/);
        // but not in the child: past its stdio (socketpairs of spawnSync)
        // only find's own directories.
        const beyond = r.childFds.filter((l) => Number(l.split(' ')[0]) >= 3);
        expect(beyond.filter((l) => !l.includes(' /'))).to.deep.equal([]);
      } finally {
        c.close();
        await s.stop();
      }
    });
  }

  it("a LISTEN_PID that is not this process's: nothing, and the variables are unset all the same", async () => {
    const ln = await listen('tcp', '127.0.0.1:0');
    const fd = ln.file();
    const s = start(process.execPath, [fixture, 'listeners'], {
      env: { LISTEN_PID: String(process.pid), LISTEN_FDS: '1', LISTEN_FDNAMES: 'web' },
      stdio: ['pipe', 'pipe', 'pipe', fd],
    });
    try {
      const r = await s.report();
      expect(r.listeners).to.deep.equal([]);
      expect(r.envAfter).to.deep.equal({ LISTEN_PID: null, LISTEN_FDS: null, LISTEN_FDNAMES: null });
      expect(r.warnings).to.deep.equal([]);
    } finally {
      fs.closeSync(fd);
      await s.stop();
      await ln.close();
    }
  });

  it('LISTEN_FDS garbage is ignored with a warning, never a crash', async () => {
    for (const fds of ['abc', '-1', '99999999999', '1.5', '']) {
      const s = start(process.execPath, [fixture, 'files'], {
        env: { LC_SET_LISTEN_PID: '1', LISTEN_FDS: fds },
      });
      try {
        const r = await s.report();
        expect(r.files).to.deep.equal([]);
        expect(r.warnings.length).to.equal(1);
        expect(r.warnings[0]).to.match(
          /^LISTENCONFIG_ACTIVATION: LISTEN_FDS=.* (is not a descriptor count|is more descriptors than)/,
        );
      } finally {
        expect((await s.stop()).code).to.equal(0);
      }
    }
    // A huge count is refused at once, not walked (1000000 took 12.8 s);
    // a count past the descriptors passed, into the process's own, is
    // garbage: nothing is taken (64 wrapped and closed node's own).
    for (const [fds, why] of [
      ['1000000', /is more descriptors than \d+ \(the most taken/],
      ['64', /^LISTENCONFIG_ACTIVATION: LISTEN_FDS="64" but descriptor \d+ is not open/],
    ]) {
      const t0 = Date.now();
      const s = start(process.execPath, [fixture, 'files'], { env: { LC_SET_LISTEN_PID: '1', LISTEN_FDS: fds } });
      try {
        const r = await s.report();
        expect(Date.now() - t0).to.be.below(5000);
        expect(r.files).to.deep.equal([]);
        expect(r.warnings.length).to.equal(1);
        expect(r.warnings[0]).to.match(why);
      } finally {
        expect((await s.stop()).code).to.equal(0);
      }
    }
    // And names: a missing or empty name is LISTEN_FD_<fd>, as go-systemd's.
    const s = start(process.execPath, [fixture, 'files'], {
      env: { LC_SET_LISTEN_PID: '1', LISTEN_FDS: '3', LISTEN_FDNAMES: 'a::' },
    });
    try {
      expect((await s.report()).files).to.deep.equal([
        { fd: 3, name: 'a' },
        { fd: 4, name: 'LISTEN_FD_4' },
        { fd: 5, name: 'LISTEN_FD_5' },
      ]);
    } finally {
      await s.stop();
    }
  });
});
