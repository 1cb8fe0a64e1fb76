#!/bin/bash
# A build of this package whose Acceptor takes at most N connections per
# wake-up (kAcceptBatch, 8 in the release), for the batching experiment of
# issue 13: bash batch.sh N DIR, then "lib":"DIR/dist/index.js".
set -euo pipefail
n=$1 dir=$2 repo=$(cd "$(dirname "$0")/../.." && pwd)
rm -rf "$dir" && mkdir -p "$dir"
cp -r "$repo/binding.gyp" "$repo/src-native" "$repo/package.json" "$repo/dist" "$dir/"
ln -s "$repo/node_modules" "$dir/node_modules"
sed -i "s/constexpr int kAcceptBatch = [0-9]*;/constexpr int kAcceptBatch = $n;/" "$dir/src-native/acceptor.h"
(cd "$dir" && npx node-gyp rebuild > build.log 2>&1)
node -e "const b = require('$dir/dist/index.js').Listener.acceptBatch; if (b !== $n) throw new Error('batch ' + b); console.log('$dir: acceptBatch', b)"
