// A missing tool is a skip with a reason, never a failure: the specs that
// shell out to ip, sysctl, go, strace or prlimit, run by `listenconfig
// conformance` (and the unit tests that do, under mocha) with a PATH that
// holds node and nothing else. As root (CI, a
// container) this is where spawnSync('ip') once failed with ENOENT.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = path.join(root, 'dist', 'cli', 'main.js');
const specs = ['netns', 'reuseport', 'mptcp', 'go', 'lifecycle', 'emfile', 'serve-emfile'].map((n) =>
  path.join(root, 'spec', `${n}.spec.mjs`),
);

describe('conformance with no system tools on PATH', function () {
  this.timeout(180_000);
  let bin;
  before(function () {
    bin = fs.mkdtempSync(path.join(os.tmpdir(), 'listenconfig-nopath-'));
    fs.symlinkSync(process.execPath, path.join(bin, 'node'));
  });
  after(function () {
    fs.rmSync(bin, { recursive: true, force: true });
  });

  it('exits 0, the specs that need ip/sysctl/go/strace/prlimit skipped with a reason', function () {
    const r = spawnSync(process.execPath, [cli, 'conformance', '--json', ...specs], {
      encoding: 'utf8',
      env: { ...process.env, PATH: bin },
      timeout: 170_000,
    });
    const doc = JSON.parse(r.stdout);
    const failed = doc.results.filter((x) => x.status === 'fail');
    expect(failed, JSON.stringify(failed, null, 1)).to.deep.equal([]);
    expect(r.status).to.equal(0);
    const skipped = doc.results.filter((x) => x.status === 'skip');
    for (const s of skipped) expect(s.reason, s.test).to.be.a('string').and.not.equal('');
    if (process.platform === 'linux' && process.getuid?.() === 0) {
      // The reason names the tool, not a generic "needs root".
      expect(skipped.map((s) => s.reason).join('\n')).to.match(/no `ip`, `sysctl` on PATH/);
    }
  });

  it("the unit tests that shell out (doctor's prlimit and netns cases) skip too", function () {
    const r = spawnSync(
      process.execPath,
      [path.join(root, 'node_modules', 'mocha', 'bin', 'mocha.js'), '--no-config', 'test/cli-doctor.test.mjs'],
      { cwd: root, encoding: 'utf8', env: { ...process.env, PATH: bin }, timeout: 120_000 },
    );
    expect(r.status, r.stdout + r.stderr).to.equal(0);
    if (process.platform === 'linux') expect(r.stdout).to.include('skipped: no `prlimit` on PATH');
  });
});
