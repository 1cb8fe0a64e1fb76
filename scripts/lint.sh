#!/usr/bin/env bash
# The lint and format gate (npm run lint; npm test runs it first).
#   Biome: format and lint over lib/, spec/, test/, bench/, scripts/ and
#   examples/ (the set biome.jsonc's files.includes names); warnings fail.
#   clang-format: src-native/ against .clang-format.
# `npm run format` writes what this checks.
set -euo pipefail
cd "$(dirname "$0")/.."
node_modules/.bin/biome ci --error-on-warnings .
if command -v clang-format >/dev/null 2>&1; then
  clang-format --dry-run -Werror src-native/*.cc src-native/*.h
  echo "lint: clang-format: src-native/ is formatted"
elif [ "${LISTENCONFIG_REQUIRE_CLANG_FORMAT:-}" = 1 ]; then
  # .ci/run installs clang-format and sets this: there the check never skips.
  echo "lint: clang-format is not installed, and LISTENCONFIG_REQUIRE_CLANG_FORMAT=1 forbids skipping the src-native/ check" >&2
  exit 1
else
  echo "lint: clang-format skipped: clang-format is not on PATH (apt-get install clang-format); src-native/ is not checked"
fi
