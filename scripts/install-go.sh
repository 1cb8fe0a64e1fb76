#!/usr/bin/env bash
# Installs the Go release spec/go compares against (Go 1.27, issue 18) into
# .cache/go1.27 without touching the system's apt: Debian's sid suite
# carries golang-1.27-go, bookworm only 1.19 (1.22 in backports). A private
# apt state (own sources list, lists and cache) downloads the -go and -src
# packages; dpkg-deb -x unpacks both into one folder, whose bin/go then finds
# its GOROOT (share/go) on its own. Needs apt-get and dpkg-deb, not root.
# Both are unpacked into a temporary folder beside the destination and
# moved into place only when the Go there runs and has its standard
# library, so an interrupted run leaves nothing that looks installed; an
# install without GOROOT/src/runtime (the -src package missing) counts as
# none and is replaced. Prints the go binary's path on success.
set -euo pipefail
cd "$(dirname "$0")/.."
minor=${GO_MINOR:-27}
# Older releases for docs/go-compat.md: GO_MINOR=22 GO_SUITE=bookworm-backports,
# GO_MINOR=19 GO_SUITE=bookworm.
suite=${GO_SUITE:-sid}
dest=${GO_DEST:-$PWD/.cache/go1.$minor}
rel=usr/lib/go-1.$minor/bin/go
go="$dest/$rel"
# A Go that runs and finds its standard library (GOROOT/src/runtime).
complete() {
  [ -x "$1" ] && "$1" version >/dev/null 2>&1 || return 1
  local root
  root=$(GOTOOLCHAIN=local "$1" env GOROOT 2>/dev/null) || return 1
  [ -n "$root" ] && [ -d "$root/src/runtime" ]
}
if complete "$go"; then
  echo "$go"
  exit 0
fi
mkdir -p "$(dirname "$dest")"
state=$(mktemp -d)
unpacked=$(mktemp -d "$dest.partial.XXXXXX")
trap 'rm -rf "$state" "$unpacked"' EXIT
mkdir -p "$state/lists/partial" "$state/cache/archives/partial"
echo "deb http://deb.debian.org/debian $suite main" >"$state/sources.list"
opts=(
  -o Dir::Etc::sourcelist="$state/sources.list"
  -o Dir::Etc::sourceparts=-
  -o Dir::State::Lists="$state/lists"
  -o Dir::Cache="$state/cache"
  -o Dir::State::status=/dev/null
  -o Debug::NoLocking=1
  -o APT::Sandbox::User=root
)
apt-get "${opts[@]}" update -qq >&2
(cd "$state" && apt-get "${opts[@]}" download "golang-1.$minor-go" "golang-1.$minor-src" >&2)
for deb in "$state"/*.deb; do dpkg-deb -x "$deb" "$unpacked"; done
if ! complete "$unpacked/$rel"; then
  echo "install-go.sh: the unpacked Go 1.$minor does not run or lacks src/runtime" >&2
  exit 1
fi
# Replace what was there (an incomplete install) only now.
rm -rf "$dest"
mv "$unpacked" "$dest"
"$go" version >&2
echo "$go"
