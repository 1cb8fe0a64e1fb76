// Upgrader (tableflip's shape): a server upgraded in place on SIGHUP, under
// a C client's continuous connects; every connection must read an answer.
import { expect } from './expect.mjs';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListenConfig, Upgrader } from 'listenconfig';
import { buildCFixtures, repoRoot, skip, thrown, until } from './helpers.mjs';
import { alive, readLog } from './fixtures/procs.mjs';

describe('Upgrader', function () {
  this.timeout(120_000);

  it('options are checked', () => {
    expect(thrown(() => new Upgrader({ upgradeTimeout: 0 })).code).to.equal('ERR_OUT_OF_RANGE');
    expect(thrown(() => new Upgrader({ upgradeTimeout: '1s' })).code).to.equal('ERR_INVALID_ARG_TYPE');
    expect(thrown(() => new Upgrader({ pidFile: 1 })).code).to.equal('ERR_INVALID_ARG_TYPE');
    expect(thrown(() => new Upgrader({ listenConfig: {} })).code).to.equal('ERR_INVALID_ARG_TYPE');
    expect(thrown(() => new Upgrader({ timeout: 1 })).code).to.equal('ERR_INVALID_ARG_VALUE');
    const upg = new Upgrader({ listenConfig: new ListenConfig() });
    expect(upg.hasParent()).to.equal(false);
  });

  it('ready() fails, and may be retried, when the pid file cannot be written', async function () {
    if (process.platform === 'win32') return skip(this, 'Upgrader is POSIX only');
    const upg = new Upgrader({ pidFile: join(tmpdir(), 'lc-no-such-dir', 'app.pid') });
    for (let i = 0; i < 2; i++) {
      const e = await upg.ready().catch((x) => x);
      expect(e?.code).to.equal('ENOENT'); // the second call too: ready() did not count the failed one
    }
  });

  it('the pid file is never written through a symlink planted at its temporary name', async function () {
    if (process.platform === 'win32') return skip(this, 'Upgrader is POSIX only');
    const dir = fs.mkdtempSync(join(tmpdir(), 'lc-pidfile-'));
    try {
      const target = join(dir, 'victim');
      fs.writeFileSync(target, 'precious\n');
      fs.symlinkSync(target, join(dir, `.app.pid.${process.pid}.tmp`));
      await new Upgrader({ pidFile: join(dir, 'app.pid') }).ready();
      expect(fs.readFileSync(target, 'utf8')).to.equal('precious\n');
      expect(fs.lstatSync(join(dir, 'app.pid')).isFile()).to.equal(true);
      expect(fs.readFileSync(join(dir, 'app.pid'), 'utf8')).to.equal(`${process.pid}\n`);
      expect(fs.readdirSync(dir).sort()).to.deep.equal(['app.pid', 'victim']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  // After an upgrade the old process stops removing the socket file; the
  // new one must remove it when it closes, or a cold start finds the path
  // taken (EADDRINUSE).
  it('a unix listener (unixMode) handed on: the last process removes the file, a cold start can listen', async function () {
    if (process.platform !== 'linux') return skip(this, '/proc tells when the processes exited: Linux');
    const dir = fs.mkdtempSync(join(tmpdir(), 'lc-upgrader-unix-'));
    const log = join(dir, 'log');
    const pidFile = join(dir, 'app.pid');
    const path = join(dir, 'app.sock');
    const ready = () => readLog(log).filter((e) => e.event === 'ready');
    const answer = (p) =>
      new Promise((resolve, reject) => {
        const c = net.connect(p);
        let got = '';
        c.on('data', (d) => (got += d));
        c.on('end', () => resolve(got));
        c.on('error', reject);
      });
    try {
      spawn(process.execPath, [join(repoRoot, 'spec/fixtures/upgrader-server.mjs'), log, pidFile, path, '660'], {
        cwd: repoRoot,
        stdio: ['ignore', 'inherit', 'inherit'],
      }).unref();
      await until(() => ready().length === 1, 10_000, 'the first process');
      const first = ready()[0].pid;
      process.kill(first, 'SIGHUP');
      await until(() => ready().length === 2, 15_000, 'the upgrade');
      const next = ready()[1];
      expect(next.addr).to.equal(path);
      await until(() => !alive(first), 15_000, 'the old process to exit');
      expect(fs.statSync(path).mode & 0o777).to.equal(0o660);
      expect(await answer(path)).to.equal(`ok ${next.pid}\n`);
      process.kill(next.pid, 'SIGTERM');
      await until(() => !alive(next.pid), 10_000, 'the new process to exit');
      expect(fs.existsSync(path)).to.equal(false);
      const cold = await new ListenConfig().listen('unix', path);
      await cold.close();
    } finally {
      for (const e of ready()) if (alive(e.pid)) process.kill(e.pid, 'SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("ready() keeps an inherited unix listener's own setUnlinkOnClose(false): the file outlives the last process", async function () {
    if (process.platform !== 'linux') return skip(this, '/proc tells when the processes exited: Linux');
    const dir = fs.mkdtempSync(join(tmpdir(), 'lc-upgrader-keep-'));
    const log = join(dir, 'log');
    const path = join(dir, 'app.sock');
    const ready = () => readLog(log).filter((e) => e.event === 'ready');
    try {
      spawn(
        process.execPath,
        [join(repoRoot, 'spec/fixtures/upgrader-server.mjs'), log, join(dir, 'app.pid'), path, '600', 'keep'],
        { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit'] },
      ).unref();
      await until(() => ready().length === 1, 10_000, 'the first process');
      const first = ready()[0].pid;
      process.kill(first, 'SIGHUP');
      await until(() => ready().length === 2, 15_000, 'the upgrade');
      const next = ready()[1].pid;
      await until(() => !alive(first), 15_000, 'the old process to exit');
      process.kill(next, 'SIGTERM');
      await until(() => !alive(next), 10_000, 'the new process to exit');
      // Its owner said not to remove it: ready() must not set it back to true.
      expect(fs.lstatSync(path).isSocket()).to.equal(true);
    } finally {
      for (const e of ready()) if (alive(e.pid)) process.kill(e.pid, 'SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('upgrades under load', () => {
    let dir;
    let client;
    before(function () {
      ({
        dir,
        bins: { relay_client: client },
      } = buildCFixtures(this, 'lc-upgrader-', 'relay_client'));
    });
    after(() => {
      if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
    });

    it('five SIGHUPs: 0 failed connections, a new pid each time, a crashing copy leaves the old one serving', async () => {
      const log = join(dir, 'log');
      const pidFile = join(dir, 'app.pid');
      spawn(process.execPath, [join(repoRoot, 'spec/fixtures/upgrader-server.mjs'), log, pidFile], {
        cwd: repoRoot,
        stdio: ['ignore', 'inherit', 'inherit'],
      }).unref();
      const ready = () => readLog(log).filter((e) => e.event === 'ready');
      await until(() => ready().length === 1, 10_000, 'the first process');
      const { port, pid: first } = ready()[0];
      const load = spawn(client, ['127.0.0.1', String(port), '1000', '64'], { stdio: ['pipe', 'pipe', 'inherit'] });
      const loadStart = Date.now();
      let out = '';
      load.stdout.on('data', (d) => (out += d));
      const loadDone = new Promise((r) => load.on('close', r));
      const pidOf = () => Number(fs.readFileSync(pidFile, 'utf8'));
      try {
        expect(pidOf()).to.equal(first);
        for (let i = 1; i <= 5; i++) {
          const old = pidOf();
          if (i === 3) {
            // A copy that crashes: the upgrade fails, the old one serves on.
            fs.writeFileSync(`${log}.crash`, '');
            process.kill(old, 'SIGHUP');
            const crashed = () => readLog(log).find((e) => e.event === 'upgrade-failed' && /exited/.test(e.why));
            await until(() => crashed() !== undefined, 15_000, 'the failed upgrade');
            const failed = crashed();
            expect(failed.pid).to.equal(old);
            expect(failed.why).to.match(/^upgrade: the new process \(pid \d+\) exited \(code 3\) before it was ready$/);
            fs.rmSync(`${log}.crash`);
          }
          process.kill(old, 'SIGHUP');
          // A second SIGHUP while the new copy starts is refused: one
          // upgrade at a time. (Sent a moment later: two pending SIGHUPs
          // would merge into one.)
          await new Promise((r) => setTimeout(r, 30));
          process.kill(old, 'SIGHUP');
          await until(() => ready().length === i + 1, 15_000, `upgrade ${i}`);
          const next = ready()[i];
          expect(next.pid).to.not.equal(old);
          expect(next.port).to.equal(port);
          expect(next.parent).to.equal(true);
          await until(() => !alive(old), 15_000, `process ${old} to exit`);
          await until(
            () => readLog(log).some((e) => e.event === 'parent-exited' && e.pid === next.pid),
            5000,
            'the new process to see its parent exit',
          );
          expect(pidOf()).to.equal(next.pid);
        }
        const refused = readLog(log)
          .filter((e) => e.event === 'upgrade-failed')
          .map((e) => e.why);
        const inProgress = refused.filter((w) => w === 'upgrade: an upgrade is already in progress').length;
        expect(inProgress).to.be.at.least(1);
        expect(refused.length).to.equal(inProgress + 1); // and the crash
      } finally {
        // The upgrades can be over in half a second; the load runs 2 s at
        // least (about 2,000 connects at 1,000/s), so the count checked
        // below measures the load, not how fast the upgrades went.
        const rest = 2000 - (Date.now() - loadStart);
        if (rest > 0) await new Promise((r) => setTimeout(r, rest));
        load.stdin.end();
        await loadDone;
        const last = pidOf();
        process.kill(last, 'SIGTERM');
        await until(() => !alive(last), 10_000, 'the last process to exit');
      }
      const result = JSON.parse(out.trim());
      console.log(`    upgrader: ${JSON.stringify(result)}`);
      expect(result.connections).to.be.above(500);
      expect(result.failed).to.equal(0);
      const pids = [...new Set(readLog(log).map((e) => e.pid))];
      expect(pids.length).to.equal(6);
      expect(pids.every((p) => !alive(p))).to.equal(true);
      expect(pidOf()).to.not.equal(first);
    });
  });
});
