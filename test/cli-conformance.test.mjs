// listenconfig conformance as a user runs it: a spawned process running spec
// files with the package's own runner (no mocha), its table and exit code
// checked (issue 12).
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const outcomes = fileURLToPath(new URL('./fixtures/conformance/outcomes.spec.mjs', import.meta.url));

function run(args) {
  const r = spawnSync(process.execPath, [cli, 'conformance', ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('listenconfig conformance', function () {
  this.timeout(120_000);

  it('reports pass, fail (with the first line of the error) and skip (with the reason the spec printed), and exits 1 on a failure', function () {
    const r = run([outcomes]);
    expect(r.code, r.err).to.equal(1);
    expect(r.out).to.include('\noutcomes.spec.mjs: outcomes\n  pass  passes\n');
    expect(r.out).to.include('\n  FAIL  fails with the assertion\n          arithmetic: expected 2 to equal 3\n');
    expect(r.out).to.include('\n  skip  skips with the reason it printed\n          no such kernel here\n');
    expect(r.out).to.include('\n  FAIL  times out\n          Timeout of 50ms exceeded\n');
    expect(r.out).to.include('\n  FAIL  fails on an unhandled rejection inside it\n          stray rejection\n');
    expect(r.out).to.include('\n  pass  sees what before() put on the context\n');
    expect(r.out).to.include('\n  pass  ran beforeEach and afterEach around each test\n');
    expect(r.out).to.include('\n  pass  takes a done callback\n');
    expect(r.out).to.include(
      '\noutcomes.spec.mjs: outcomes › a block skipped in before()\n  skip  one\n          needs root\n  skip  two\n          needs root\n',
    );
    expect(r.out).to.match(/\n4 passed, 3 failed, 3 skipped\n$/);
  });

  it('--json: one document with every result', function () {
    const r = run(['--json', outcomes]);
    expect(r.code).to.equal(1);
    const doc = JSON.parse(r.out);
    expect(doc).to.include({ passed: 4, failed: 3, skipped: 3, platform: process.platform });
    expect(doc.results).to.have.length(10);
    expect(doc.results.find((x) => x.test === 'one')).to.deep.include({
      suite: ['outcomes', 'a block skipped in before()'],
      status: 'skip',
      reason: 'needs root',
    });
  });

  it('--list names the behaviours and runs none', function () {
    const r = run(['--list', '--json', outcomes]);
    expect(r.code, r.err).to.equal(0);
    const doc = JSON.parse(r.out);
    expect(doc).to.include({ files: 1, count: 10 });
    expect(doc.behaviours.find((b) => b.test === 'fails with the assertion')).to.deep.include({ suite: ['outcomes'] });
    const text = run(['--list', outcomes]);
    expect(text.out).to.include('\noutcomes.spec.mjs: outcomes › passes\n');
    expect(text.out).to.match(/\n10 behaviours in 1 spec files\n$/);
  });

  it('runs the real backlog specs and passes them (exit 0)', function () {
    const r = run(['--grep', 'Listen backlog']);
    expect(r.code, r.out + r.err).to.equal(0);
    expect(r.out).to.match(/^listenconfig conformance: /);
    expect(r.out).to.include('\nbacklog.spec.mjs: Listen backlog (Linux contract)\n');
    expect(r.out).to.match(/\n(\d+) passed, 0 failed, \d+ skipped\n$/);
    expect(Number(/\n(\d+) passed/.exec(r.out)[1])).to.be.above(3);
  });

  it('bad input: one line, exit 2', function () {
    for (const [args, text] of [
      [['--grep', '('], '--grep: Invalid regular expression'],
      [['--grep', 'no behaviour is called this'], 'matches no behaviour'],
      [['/nonexistent.spec.mjs'], 'no such spec file: /nonexistent.spec.mjs'],
    ]) {
      const r = run(args);
      expect(r.code, args.join(' ')).to.equal(2);
      expect(r.err.trim().split('\n')).to.have.length(1);
      expect(r.err).to.include(text);
    }
  });
});
