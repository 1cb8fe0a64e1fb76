#!/usr/bin/env bash
# npm run prebuild — the Node-API binaries the package ships, in
# prebuildify's layout, which node-gyp-build (lib/native.ts) searches:
#
#   prebuilds/linux-x64/node.napi.glibc.node     node-gyp, this machine
#   prebuilds/linux-arm64/node.napi.glibc.node   Debian's aarch64-linux-gnu-g++
#   prebuilds/win32-x64/node.napi.node           npm run build:win (mingw-w64)
#
# One Node-API build loads in every Node release from 18 on, so there is one
# file per platform, not per Node ABI. The glibc tag keeps a glibc binary
# from being picked on musl (Alpine), which compiles at install instead.
# libstdc++ is linked dynamically, as node-gyp does: its symbol versions
# (GLIBCXX_3.4.21) are older than any glibc Node 18 runs on, whereas a static
# libstdc++ 12 pulls in GLIBC_2.36 (arc4random) and would not load on
# Ubuntu 22.04 or RHEL 9.
#
# Runs as npm's prepack (npm pack, npm publish) and as npm run
# build:prebuilds; compiles the TypeScript too, so a pack from an unbuilt
# clone is complete. The arm64 build runs when its cross compiler is there;
# win32-x64 is npm run build:win's (it needs node.exe's import library).
# Under `npm publish` all three are required; LC_PREBUILD_REQUIRE="…" names
# the required ones otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "prebuild: $*"; }
die() { echo "prebuild: $*" >&2; exit 1; }

required=${LC_PREBUILD_REQUIRE:-}
[ "${npm_command:-}" = publish ] && required="linux-x64 linux-arm64 win32-x64"

# Refuses a Linux binary whose glibc symbol versions exceed 2.17, the floor
# README.md promises (Node 18 itself needs 2.28; today's binaries need 2.14
# on x64 and 2.17 on arm64).
check_glibc() {
  local objdump=$1 file=$2 newest
  newest=$("$objdump" -T "$file" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -1)
  if [ -n "$newest" ] && [ "$(printf '%s\n2.17\n' "$newest" | sort -V | tail -1)" != 2.17 ]; then
    die "$file needs GLIBC_$newest, newer than the 2.17 README.md promises"
  fi
  say "  $file: newest glibc symbol GLIBC_${newest:-none}"
}

node scripts/build-ts.js

# --- this machine --------------------------------------------------------------
platform=$(node -p process.platform)
arch=$(node -p process.arch)
if [ "$platform" = linux ]; then
  # node-gyp-build's own test for musl.
  if [ -f /etc/alpine-release ]; then libc=musl; else libc=glibc; fi
  host=prebuilds/$platform-$arch/node.napi.$libc.node
else
  host=prebuilds/$platform-$arch/node.napi.node
fi
say "building this machine's binary ($platform-$arch) with node-gyp"
npx --no-install node-gyp rebuild --loglevel=warn >/dev/null || die "node-gyp rebuild failed (run it yourself to see why)"
mkdir -p "$(dirname "$host")"
cp build/Release/listenconfig.node "$host"
if [ "$platform" = linux ]; then
  strip "$host"
  check_glibc objdump "$host"
fi

# --- linux-arm64, cross ----------------------------------------------------------
arm=prebuilds/linux-arm64/node.napi.glibc.node
if [ "$platform-$arch" = linux-x64 ]; then
  if command -v aarch64-linux-gnu-g++ >/dev/null 2>&1; then
    inc=$(node -p "require('path').resolve(process.execPath, '../../include/node')")
    [ -f "$inc/node_api.h" ] || die "no Node headers at $inc"
    say "cross-building linux-arm64 with aarch64-linux-gnu-g++"
    mkdir -p "$(dirname "$arm")"
    # binding.gyp's sources (win.cc compiles to nothing off Windows), defines
    # and warnings, and node-gyp's -fPIC -O3.
    aarch64-linux-gnu-g++ -std=c++17 -O3 -fPIC -shared -Wall -Wextra \
      -DNAPI_VERSION=8 -DBUILDING_NODE_EXTENSION -I"$inc" \
      $(node -p "JSON.parse(require('fs').readFileSync('binding.gyp', 'utf8')).targets[0].sources.filter((s) => !s.endsWith('win.cc')).join(' ')") \
      -o "$arm"
    aarch64-linux-gnu-strip "$arm"
    check_glibc aarch64-linux-gnu-objdump "$arm"
  else
    say "no aarch64-linux-gnu-g++ (Debian: apt-get install g++-aarch64-linux-gnu): linux-arm64 not built"
  fi
fi

# --- what will ship -------------------------------------------------------------
[ -f prebuilds/win32-x64/node.napi.node ] || say "no win32-x64 binary: run npm run build:win first to ship it"
for want in $required; do
  ls prebuilds/"$want"/*.node >/dev/null 2>&1 || die "required prebuild $want is missing"
done
say "prebuilds: $(cd prebuilds && ls -d */*.node | tr '\n' ' ')"
