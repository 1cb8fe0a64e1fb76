// listenconfig doctor as a user runs it: a spawned process, a real listener,
// its facts checked against /proc and, as root, against a network namespace
// whose sysctls the test sets (issue 12).
import { expect } from 'chai';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { missingTools, netnsSkipReason } from '../spec/helpers.mjs';

const cli = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const linux = process.platform === 'linux';

function run(args, { prefix = [] } = {}) {
  const argv = [...prefix, process.execPath, cli, ...args];
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', timeout: 30_000 });
  return {
    code: r.status,
    out: r.stdout,
    err: r.stderr + (r.signal ? ` (signal ${r.signal})` : '') + (r.error ? String(r.error) : ''),
  };
}
const json = (args, opts) => {
  const r = run([...args, '--json'], opts);
  expect(r.code, r.err).to.equal(0);
  return JSON.parse(r.out);
};
const proc = (name) => Number(fs.readFileSync(`/proc/sys/${name.replace(/\./g, '/')}`, 'utf8'));

describe('listenconfig doctor', function () {
  this.timeout(60_000);

  it('--json reports maxListenerBacklog(), its source and a real listener at the default config', function () {
    const r = json(['doctor']);
    expect(r.platform).to.equal(process.platform);
    expect(r.listener.address).to.match(/^127\.0\.0\.1:\d+$/);
    expect(r.listener.requested).to.equal(r.maxListenerBacklog.value);
    expect(r.listener.effective).to.equal(r.maxListenerBacklog.value);
    expect(r.listener.clamped).to.equal(null);
    if (linux) {
      expect(r.maxListenerBacklog.value).to.equal(proc('net.core.somaxconn'));
      expect(r.maxListenerBacklog.source).to.match(/^net\.core\.somaxconn \(\d+\)/);
      for (const n of [
        'net.core.somaxconn',
        'net.ipv4.tcp_max_syn_backlog',
        'net.ipv4.tcp_syncookies',
        'net.ipv4.tcp_abort_on_overflow',
      ]) {
        expect(r.sysctls[n], n).to.equal(proc(n));
      }
      expect(r.counters.ListenOverflows).to.be.a('number');
      const limits = fs.readFileSync('/proc/self/limits', 'utf8');
      expect(limits).to.include(`Max open files            ${r.descriptors.soft}`);
    }
  });

  it('text: the limits, the listener and the advice, one fact a line', function () {
    const r = run(['doctor']);
    expect(r.code, r.err).to.equal(0);
    expect(r.err).to.equal('');
    expect(r.out).to.match(/^listenconfig doctor: /);
    expect(r.out).to.match(/\n {2}maxListenerBacklog\(\) +\d+ +from /);
    expect(r.out).to.match(/\nListener\n {2}tcp 127\.0\.0\.1:\d+ +\d+ +effective backlog, \d+ requested\n/);
    expect(r.out).to.include(
      '\nAdvice\n  - The accept queue must hold every connection that arrives between two accepts',
    );
  });

  it('--backlog above the limit: effective is the limit, and it says which limit clamped it', function () {
    const r = json(['doctor', '--backlog', '100000']);
    expect(r.listener.requested).to.equal(100000);
    expect(r.listener.effective).to.equal(r.maxListenerBacklog.value);
    if (linux)
      expect(r.listener.clamped).to.equal(
        `the kernel clamps listen(2)'s backlog to net.core.somaxconn = ${r.maxListenerBacklog.value}`,
      );
  });

  it('--burst-rate x --accept-interval: the backlog needed, and the sysctl command when the kernel limit is too low', function () {
    const max = json(['doctor']).maxListenerBacklog.value;
    const small = json(['doctor', '--burst-rate', '100', '--accept-interval', '1s']);
    expect(small.burst).to.deep.equal({ rate: 100, acceptIntervalMs: 1000, needed: 100 });
    expect(small.advice[0].text).to.match(/need a queue of 100: the listener's \d+ holds them\.$/);
    const rate = (max + 1000) * 10; // needs max + 1000 at 100 ms
    const big = json(['doctor', '--burst-rate', String(rate), '--accept-interval', '100ms']);
    expect(big.burst.needed).to.equal(max + 1000);
    if (linux) {
      const want = 2 ** Math.ceil(Math.log2(max + 1000));
      expect(big.advice[0].command).to.equal(`sysctl -w net.core.somaxconn=${want}`);
      expect(run(['doctor', '--burst-rate', String(rate), '--accept-interval', '100ms']).out).to.include(
        `\n      sysctl -w net.core.somaxconn=${want}\n`,
      );
    }
  });

  it('a descriptor limit below the backlog: advice to raise it, the hard limit first when that is the cap', function () {
    const reason = linux ? missingTools('prlimit') : `prlimit is Linux's; this is ${process.platform}`;
    if (reason) {
      console.log(`    skipped: ${reason}`);
      this.skip();
    }
    const r = json(['doctor', '--backlog', '1024'], { prefix: ['prlimit', '--nofile=100:300', '--'] });
    // Node raises the soft limit to the hard one at start-up.
    expect(r.descriptors).to.deep.equal({ soft: 300, hard: 300 });
    const a = r.advice.find((x) => x.text.startsWith('The descriptor limit (300) is below the backlog (1024)'));
    expect(a, JSON.stringify(r.advice)).to.not.equal(undefined);
    expect(a.text).to.include('The hard limit is 300: raise it as root');
    expect(a.command).to.equal('ulimit -Hn 2048 && ulimit -n 2048');
    expect(
      json(['doctor', '--backlog', '64'], { prefix: ['prlimit', '--nofile=100:300', '--'] }).advice.some((x) =>
        x.text.startsWith('The descriptor limit'),
      ),
    ).to.equal(false);
  });

  it('bad input: one line on stderr, exit 2, no stack', function () {
    for (const [args, text] of [
      [['doctor', '--backlog', 'many'], '--backlog must be an integer >= 1, not "many"'],
      [['doctor', '--burst-rate', '5'], '--burst-rate and --accept-interval go together'],
      [
        ['doctor', '--burst-rate', '5', '--accept-interval', 'soon'],
        '--accept-interval must be a duration such as 500ms or 2s, not "soon"',
      ],
      [['doctor', '--frobnicate'], "Unknown option '--frobnicate'"],
    ]) {
      const r = run(args);
      expect(r.code, args.join(' ')).to.equal(2);
      expect(r.out).to.equal('');
      expect(r.err.trim().split('\n'), args.join(' ')).to.have.length(1);
      expect(r.err).to.include(text);
    }
  });

  it('--help prints the usage and exits 0', function () {
    const r = run(['doctor', '--help']);
    expect(r.code).to.equal(0);
    expect(r.out).to.match(/^Usage: listenconfig doctor /);
    expect(r.out).to.include('--burst-rate R');
  });

  describe('in a network namespace (somaxconn 64, SYN cookies off, abort on overflow)', function () {
    const ns = `lc-doctor-${process.pid}`;
    const inNs = { prefix: ['ip', 'netns', 'exec', ns] };

    before(function () {
      const reason = netnsSkipReason();
      if (reason) {
        console.log(`    skipped: ${reason}`);
        this.skip();
      }
      execFileSync('ip', ['netns', 'add', ns]);
      execFileSync('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up']);
      for (const kv of ['net.core.somaxconn=64', 'net.ipv4.tcp_syncookies=0', 'net.ipv4.tcp_abort_on_overflow=1']) {
        execFileSync('ip', ['netns', 'exec', ns, 'sysctl', '-q', '-w', kv]);
      }
    });
    after(function () {
      if (netnsSkipReason() === undefined) spawnSync('ip', ['netns', 'del', ns]);
    });

    it("reads the namespace's sysctls, clamps the listener to 64 and prints each fix as a command", function () {
      const r = json(['doctor', '--backlog', '4096'], inNs);
      expect(r.maxListenerBacklog.value).to.equal(64);
      expect(r.listener).to.include({ requested: 4096, effective: 64 });
      expect(r.listener.clamped).to.equal("the kernel clamps listen(2)'s backlog to net.core.somaxconn = 64");
      expect(r.sysctls['net.ipv4.tcp_syncookies']).to.equal(0);
      const commands = r.advice.map((a) => a.command).filter(Boolean);
      expect(commands).to.include.members([
        'sysctl -w net.ipv4.tcp_syncookies=1',
        'sysctl -w net.ipv4.tcp_abort_on_overflow=0',
        'sysctl -w net.core.somaxconn=4096',
      ]);
      expect(r.advice.map((a) => a.text).join('\n')).to.include('SYN cookies are off');
    });

    it('--watch counts the overflows that happen while it watches', async function () {
      // A listener nobody accepts from, in the namespace, overflowed by 6 clients while doctor watches.
      const script = `
        const { ListenConfig } = require(${JSON.stringify(fileURLToPath(new URL('../dist/index.js', import.meta.url)))});
        const net = require('node:net');
        (async () => {
          const ln = await new ListenConfig({ backlog: 1 }).listen('tcp', '127.0.0.1:0');
          console.log(ln.addr().port);
          const socks = [];
          setTimeout(() => { for (let i = 0; i < 6; i++) socks.push(net.connect(ln.addr().port, '127.0.0.1').on('error', () => {})); }, 500);
          setTimeout(() => { socks.forEach((s) => s.destroy()); ln.close(); }, 2500);
        })();`;
      const { spawn } = await import('node:child_process');
      const load = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', script], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      await new Promise((resolve) => load.stdout.once('data', resolve));
      const r = json(['doctor', '--watch', '2s'], inNs);
      await new Promise((resolve) => load.once('exit', resolve));
      expect(r.counters.watch.seconds).to.equal(2);
      expect(r.counters.watch.ListenOverflows).to.be.at.least(1);
      expect(r.advice.map((a) => a.text).join('\n')).to.match(/Accept queues overflowed \d+ times in the last 2 s/);
    });
  });
});
