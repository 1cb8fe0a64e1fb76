// listenconfig/register: a program's own server.listen() goes through
// ListenConfig + serve() with Node's timing and error shapes; a pipe, fd,
// handle or cluster-worker listen stays Node's. Each case runs a child
// (spec/fixtures/register-child.mjs) with the hook, and where the answer
// must equal Node's, without it too.
import { expect } from './expect.mjs';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { runNode, lastJSON, repoRoot, skip } from './helpers.mjs';

const child = 'spec/fixtures/register-child.mjs';
const withHook = (which, opts = {}, how = '--import') => runNode([how, 'listenconfig/register', child, which], opts);
const plain = (which) => runNode([child, which]);

// A node of major >= min: this one, or one test:node-versions cached
// (.cache/node/VERSION/package/bin/node); undefined when there is none.
function nodeAtLeast(min) {
  if (Number(process.versions.node.split('.')[0]) >= min) return process.execPath;
  const cache = `${repoRoot}/.cache/node`;
  const vs = fs.existsSync(cache) ? fs.readdirSync(cache) : [];
  const v = vs.filter((x) => Number(x.split('.')[0]) >= min).sort()[0];
  const bin = v && `${cache}/${v}/package/bin/node`;
  return bin && fs.existsSync(bin) ? bin : undefined;
}

function runWith(bin, args) {
  const r = spawnSync(bin, args, { cwd: repoRoot, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('listenconfig/register (#20)', function () {
  this.timeout(30_000);

  for (const how of ['--import', '--require']) {
    it(`${how}: listen(0) is bound within listen(): address() and _connectionKey at once, 'listening' before any connection`, async function () {
      const r = await withHook('timing', {}, how);
      expect(r.code, r.stderr).to.equal(0);
      const got = lastJSON(r.stdout);
      // The stand-in handle serve() installs, not Node's TCP handle.
      expect(got.handle).to.equal('Object');
      expect(got.sync.port).to.be.above(0);
      expect(got.sync.address).to.equal('::');
      expect(got.key).to.equal('6::::0');
      expect(got.events).to.deep.equal(['listening', 'connection']);
    });
  }

  it("EADDRINUSE is emitted as 'error' on the server, shaped as Node's", async function () {
    const [a, b] = await Promise.all([withHook('inuse'), plain('inuse')]);
    expect(a.code, a.stderr).to.equal(0);
    const got = lastJSON(a.stdout);
    expect(got).to.deep.equal(lastJSON(b.stdout));
    expect(got.message).to.equal('listen EADDRINUSE: address already in use :::PORT');
  });

  for (const which of ['pipe', 'fd', 'handle']) {
    it(`a ${which} listen is Node's own`, async function () {
      const r = await withHook(which);
      expect(r.code, r.stderr).to.equal(0);
      const got = lastJSON(r.stdout);
      expect(got.handle).to.equal(which === 'pipe' ? 'Pipe' : 'TCP');
      if (which === 'pipe') expect(got.address).to.equal(true);
    });
  }

  it("a cluster worker's listen is Node's own (the primary's shared handle)", async function () {
    const r = await withHook('cluster');
    expect(r.code, r.stderr).to.equal(0);
    expect(lastJSON(r.stdout).body).to.equal('from the worker');
  });

  it('LISTENCONFIG_BACKLOG is the backlog listen(2) gets (ss reads it back)', async function () {
    if (process.platform !== 'linux') return skip(this, 'ss and /proc are Linux');
    if (spawnSync('ss', ['-V']).status !== 0) return skip(this, 'ss (iproute2) is not installed');
    for (const [env, arg, want] of [
      [{ LISTENCONFIG_BACKLOG: '37' }, '', 37],
      [{}, '23', 23],
    ]) {
      const c = spawn(process.execPath, ['--import', 'listenconfig/register', child, 'backlog', arg], {
        cwd: repoRoot, // child is relative to the package, as runNode's are
        env: { ...process.env, ...env },
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      // A child that dies before printing fails the case at once, not at the timeout.
      const line = await new Promise((resolve, reject) => {
        c.stdout.once('data', (d) => resolve(String(d)));
        c.once('exit', (code) => reject(new Error(`the child exited (${code}) before printing its port`)));
      });
      const { port, handle } = JSON.parse(line);
      expect(handle).to.equal('Object');
      const ss = spawnSync('ss', ['-ltnH', `sport = :${port}`], { encoding: 'utf8' })
        .stdout.trim()
        .split(/\s+/);
      c.stdin.end();
      await new Promise((resolve) => c.on('close', resolve));
      // State Recv-Q Send-Q: Send-Q is the backlog of a listening socket.
      expect(Number(ss[2])).to.equal(want);
    }
  });

  it("express's app.listen() and the fastify example (docs/register.md) are served through the hook", async function () {
    // The installed package has neither (dev dependencies): the conformance run skips here.
    for (const m of ['express', 'fastify']) {
      try {
        await import(m);
      } catch {
        return skip(this, `${m} is not installed (a dev dependency of this repository)`);
      }
    }
    const r = await withHook('express');
    expect(r.code, r.stderr).to.equal(0);
    expect(lastJSON(r.stdout)).to.deep.equal({ handle: 'Object', body: 'express' });
    if (Number(process.versions.node.split('.')[0]) < 20) return skip(this, 'fastify 5 supports Node 20 and later');
    const f = await runNode(['--import', 'listenconfig/register', 'examples/register-fastify.mjs']);
    expect(f.code, f.stderr).to.equal(0);
    expect(f.stdout).to.match(/ 200 \{"hello":"world"\}/);
  });

  it("accepted sockets' keep-alive and TCP_NODELAY, timers included, are plain listen()'s", async function () {
    if (process.platform !== 'linux') return skip(this, 'the keep-alive timers are read with Linux getsockopt names');
    const [a, b] = await Promise.all([withHook('sockopts'), plain('sockopts')]);
    expect(a.code, a.stderr).to.equal(0);
    expect(lastJSON(a.stdout)).to.deep.equal(lastJSON(b.stdout));
  });

  it("listen({ port, ipv6Only: true }) with no host is '::' IPv6-only, as Node 22's", async function () {
    const bin = nodeAtLeast(22);
    if (bin === undefined) {
      return skip(
        this,
        'Node 20 ignores ipv6Only without a host, and no Node 22 is cached (npm run test:node-versions)',
      );
    }
    const a = runWith(bin, ['--import', 'listenconfig/register', child, 'ipv6only']);
    const b = runWith(bin, [child, 'ipv6only']);
    expect(a.code, a.stderr).to.equal(0);
    expect(lastJSON(a.stdout)).to.deep.equal(lastJSON(b.stdout)).and.deep.equal({ address: '::', v4: 'ECONNREFUSED' });
  });

  it("diagnostics_channel's net.server.listen: asyncStart then asyncEnd, or error, as Node publishes", async function () {
    const [a, b] = await Promise.all([withHook('dc'), plain('dc')]);
    expect(a.code, a.stderr).to.equal(0);
    expect(lastJSON(a.stdout)).to.deep.equal(lastJSON(b.stdout));
  });

  it("an IPv4-mapped host ('::ffff:127.0.0.1'): address() and _connectionKey say IPv6, as Node's", async function () {
    const [a, b] = await Promise.all([withHook('v4mapped'), plain('v4mapped')]);
    expect(a.code, a.stderr).to.equal(0);
    expect(lastJSON(a.stdout)).to.deep.equal(lastJSON(b.stdout));
  });

  it('LISTENCONFIG_TRACE_FILE gets a line per listen the hook serves, none for one it leaves to Node', async function () {
    const os = await import('node:os');
    const path = await import('node:path');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-trace-'));
    try {
      const trace = path.join(dir, 'trace');
      const a = await withHook('timing', { env: { LISTENCONFIG_TRACE_FILE: trace } });
      expect(a.code, a.stderr).to.equal(0);
      expect(fs.readFileSync(trace, 'utf8')).to.match(/^\d+ \[::\]:\d+\n$/);
      fs.rmSync(trace);
      const b = await withHook('pipe', { env: { LISTENCONFIG_TRACE_FILE: trace } });
      expect(b.code, b.stderr).to.equal(0);
      expect(fs.existsSync(trace)).to.equal(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a bad environment value stops the program, naming the variable', async function () {
    const r = await withHook('timing', { env: { LISTENCONFIG_BACKLOG: 'lots' } });
    expect(r.code).to.not.equal(0);
    expect(r.stderr).to.match(/LISTENCONFIG_BACKLOG must be an integer/);
  });
});
