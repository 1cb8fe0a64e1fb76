// scripts/lint.sh (npm run lint, the first step of npm test): where
// clang-format is missing it skips the src-native/ check and says why,
// unless LISTENCONFIG_REQUIRE_CLANG_FORMAT=1 (.ci/run) makes that a failure.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function which(name) {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const p = path.join(dir, name);
    if (dir && fs.existsSync(p)) return p;
  }
  return undefined;
}

describe('npm run lint without clang-format', function () {
  this.timeout(60_000);
  let bin;
  before(function () {
    const bash = which('bash');
    const dirname = which('dirname');
    if (process.platform === 'win32' || !bash || !dirname) {
      console.log('    skipped: needs bash and dirname (POSIX)');
      this.skip();
    }
    // A PATH with node, bash and dirname only: no clang-format.
    bin = fs.mkdtempSync(path.join(os.tmpdir(), 'listenconfig-lint-'));
    fs.symlinkSync(process.execPath, path.join(bin, 'node'));
    fs.symlinkSync(bash, path.join(bin, 'bash'));
    fs.symlinkSync(dirname, path.join(bin, 'dirname'));
  });
  after(function () {
    if (bin) fs.rmSync(bin, { recursive: true, force: true });
  });

  const lint = (env) =>
    spawnSync(path.join(bin, 'bash'), [path.join(root, 'scripts', 'lint.sh')], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, PATH: bin, NO_COLOR: '1', ...env },
      timeout: 50_000,
    });

  it('runs Biome, skips clang-format and says why (exit 0)', function () {
    const r = lint({ LISTENCONFIG_REQUIRE_CLANG_FORMAT: '' });
    expect(r.status, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout + r.stderr).to.match(/Checked \d+ files/);
    expect(r.stdout).to.include('lint: clang-format skipped: clang-format is not on PATH');
  });

  it('fails under LISTENCONFIG_REQUIRE_CLANG_FORMAT=1, as in .ci/run', function () {
    const r = lint({ LISTENCONFIG_REQUIRE_CLANG_FORMAT: '1' });
    expect(r.status).to.equal(1);
    expect(r.stderr).to.include('lint: clang-format is not installed');
  });
});
