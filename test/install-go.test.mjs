// scripts/install-go.sh without the network: apt-get and dpkg-deb are
// stand-ins on PATH that "download" two packages and unpack a fake Go
// (a shell script answering `version` and `env GOROOT`) and its standard
// library. Checks that an install lands whole or not at all, and that one
// without GOROOT/src/runtime counts as missing.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../spec/helpers.mjs';

const script = join(repoRoot, 'scripts', 'install-go.sh');

const fakeGo = `#!/bin/sh
case "$1" in
version) echo "go version go1.27.3 linux/amd64" ;;
env) cd "$(dirname "$0")/.." && pwd ;;
*) exit 2 ;;
esac
`;

// apt-get: records each call; "download" leaves two .deb names in the
// current folder. dpkg-deb -x: the -go package is bin/go and the src link,
// the -src package the standard library; FAKE_FAIL=src fails the latter.
const fakeAptGet = `#!/bin/sh
echo "$*" >>"$FAKE_LOG"
for a in "$@"; do [ "$a" = download ] && touch golang-1.27-go.deb golang-1.27-src.deb; done
exit 0
`;
const fakeDpkgDeb = `#!/bin/sh
deb=$2 dest=$3
case "$deb" in
*-src.deb)
  [ "$FAKE_FAIL" = src ] && exit 1
  mkdir -p "$dest/usr/share/go-1.27/src/runtime" ;;
*-go.deb)
  mkdir -p "$dest/usr/lib/go-1.27/bin"
  cp "$FAKE_GO" "$dest/usr/lib/go-1.27/bin/go"
  ln -sfn ../../share/go-1.27/src "$dest/usr/lib/go-1.27/src" ;;
esac
`;

describe('scripts/install-go.sh (apt-get and dpkg-deb faked)', function () {
  let dir;
  let env;
  let dest;
  const go = () => join(dest, 'usr/lib/go-1.27/bin/go');
  const run = (extra = {}) => spawnSync('bash', [script], { env: { ...env, ...extra }, encoding: 'utf8' });
  const leftovers = () => readdirSync(join(dir, 'cache')).filter((n) => n.includes('.partial.'));

  beforeEach(function () {
    if (process.platform === 'win32') this.skip();
    dir = mkdtempSync(join(tmpdir(), 'lc-install-go-'));
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    mkdirSync(join(dir, 'cache'));
    for (const [name, text] of [
      ['apt-get', fakeAptGet],
      ['dpkg-deb', fakeDpkgDeb],
      ['fake-go', fakeGo],
    ]) {
      writeFileSync(join(bin, name), text);
      chmodSync(join(bin, name), 0o755);
    }
    dest = join(dir, 'cache', 'go1.27');
    env = {
      ...process.env,
      PATH: `${bin}:${process.env.PATH}`,
      GO_DEST: dest,
      FAKE_GO: join(bin, 'fake-go'),
      FAKE_LOG: join(dir, 'apt.log'),
    };
  });
  afterEach(function () {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('installs into place and prints the go binary, leaving no temporary folder', function () {
    const r = run();
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout.trim()).to.equal(go());
    expect(existsSync(join(dest, 'usr/lib/go-1.27/src/runtime'))).to.equal(true);
    expect(leftovers()).to.deep.equal([]);
  });

  it('a failed unpack leaves the destination as it was (absent) and no temporary folder', function () {
    const r = run({ FAKE_FAIL: 'src' });
    expect(r.status).to.not.equal(0);
    expect(existsSync(dest)).to.equal(false);
    expect(leftovers()).to.deep.equal([]);
  });

  it('an install without src/runtime counts as missing and is replaced by a whole one', function () {
    mkdirSync(join(dest, 'usr/lib/go-1.27/bin'), { recursive: true });
    writeFileSync(go(), fakeGo);
    chmodSync(go(), 0o755);
    const r = run();
    expect(r.status, r.stderr).to.equal(0);
    expect(existsSync(join(dest, 'usr/lib/go-1.27/src/runtime'))).to.equal(true);
    expect(spawnSync('cat', [env.FAKE_LOG], { encoding: 'utf8' }).stdout).to.include('download');
  });

  it('a whole install is used as it is: no apt-get call', function () {
    expect(run().status).to.equal(0);
    rmSync(env.FAKE_LOG);
    const r = run();
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout.trim()).to.equal(go());
    expect(existsSync(env.FAKE_LOG)).to.equal(false);
  });
});
