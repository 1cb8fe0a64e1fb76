// npm run example in a clone that is already built compiles nothing; it
// builds only what is missing or older than its sources
// (scripts/build-if-stale.js).
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const { staleness } = createRequire(import.meta.url)('../scripts/build-if-stale.js');

describe('npm run example', function () {
  this.timeout(60_000);

  it('in a built clone runs the example without compiling anything', function () {
    const addon = path.join(root, 'build', 'Release', 'listenconfig.node');
    const dist = path.join(root, 'dist', 'index.js');
    const before = [fs.statSync(addon).mtimeMs, fs.statSync(dist).mtimeMs];
    const r = spawnSync('npm', ['run', 'example', '--', '--exit-after-demo', '--demo', '2'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 50_000,
    });
    const all = r.stdout + r.stderr;
    expect(r.status, all).to.equal(0);
    expect(all).to.not.match(/gyp|tsc|build-ts/);
    expect(all).to.include('build: the addon and dist/ are up to date');
    expect(all).to.match(/listening on 127\.0\.0\.1:\d+/);
    expect([fs.statSync(addon).mtimeMs, fs.statSync(dist).mtimeMs]).to.deep.equal(before);
  });

  describe('staleness(root)', function () {
    let dir;
    const touch = (rel, secondsAgo) => {
      const p = path.join(dir, rel);
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, '');
      const t = Date.now() / 1000 - secondsAgo;
      fs.utimesSync(p, t, t);
    };
    beforeEach(function () {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'listenconfig-stale-'));
    });
    afterEach(function () {
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('nothing built: both', function () {
      touch('lib/index.ts', 10);
      touch('src-native/addon.cc', 10);
      const s = staleness(dir);
      expect(s.native).to.match(/missing/);
      expect(s.ts).to.match(/missing/);
    });

    it('built after the sources: neither', function () {
      touch('lib/index.ts', 100);
      touch('src-native/addon.cc', 100);
      touch('binding.gyp', 100);
      touch('build/Release/listenconfig.node', 10);
      touch('dist/index.js', 10);
      expect(staleness(dir)).to.deep.equal({ native: false, ts: false });
    });

    it('a source edited since: only its half', function () {
      touch('lib/deep/x.ts', 5);
      touch('src-native/addon.cc', 100);
      touch('build/Release/listenconfig.node', 10);
      touch('dist/index.js', 10);
      expect(staleness(dir)).to.deep.equal({ native: false, ts: 'dist/ is older than its sources' });
      touch('src-native/posix.cc', 1);
      expect(staleness(dir).native).to.equal('build/Release/listenconfig.node is older than its sources');
    });
  });
});
