#!/usr/bin/env node
// npm's install hook (package.json "install"). A prebuilt binary for this
// platform (prebuilds/, see scripts/prebuild.sh) means there is nothing to
// do. Otherwise the addon is compiled with node-gyp, and when that fails the
// user gets one paragraph saying what to install instead of node-gyp's
// stack (issue 12); node-gyp's output is kept in a log file.
//
// LISTENCONFIG_BUILD_FROM_SOURCE=1 (or npm's --build-from-source) compiles
// even when a prebuilt binary exists.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..');
const fromSource = /^(1|true)$/.test(
  process.env.LISTENCONFIG_BUILD_FROM_SOURCE || process.env.npm_config_build_from_source || '',
);

function prebuilt() {
  try {
    return require('node-gyp-build').resolve(root);
  } catch {
    return undefined;
  }
}

// npm and pnpm tell scripts where their bundled node-gyp is.
function nodeGyp() {
  const bundled = process.env.npm_config_node_gyp;
  if (bundled && fs.existsSync(bundled)) return [process.execPath, bundled];
  try {
    return [process.execPath, require.resolve('node-gyp/bin/node-gyp.js')];
  } catch {
    return ['node-gyp'];
  }
}

// What compiling needs and PATH lacks (POSIX), else node-gyp's own reason.
function cause(log) {
  if (process.platform !== 'win32') {
    const dirs = (process.env.PATH || '').split(path.delimiter).filter(Boolean);
    const has = (names) => names.some((n) => dirs.some((d) => fs.existsSync(path.join(d, n))));
    const missing = [
      has(['python3', 'python']) ? '' : 'python3',
      has(['make', 'gmake']) ? '' : 'make',
      has(['c++', 'g++', 'clang++']) ? '' : 'a C++ compiler',
    ].filter(Boolean);
    if (missing.length) return `missing: ${missing.join(', ')}`;
  }
  const line = log.split('\n').find((l) => /^gyp ERR! stack Error: /.test(l));
  return line ? line.replace(/^gyp ERR! stack Error: /, '').trim() : '';
}

function main() {
  if (!fromSource) {
    const found = prebuilt();
    if (found) return 0;
  }
  const [cmd, ...args] = nodeGyp();
  const r = spawnSync(cmd, [...args, 'rebuild'], { cwd: root, encoding: 'utf8', env: process.env });
  if (r.status === 0) return 0;
  const log = `${r.stdout || ''}${r.stderr || ''}${r.error ? String(r.error) : ''}`;
  const logFile = path.join(os.tmpdir(), `listenconfig-build-${process.pid}.log`);
  try {
    fs.writeFileSync(logFile, log);
  } catch {}
  const target = `${process.platform}-${process.arch}`;
  const why = cause(log);
  process.stderr.write(
    `listenconfig: ${fromSource ? 'building from source' : `there is no prebuilt binary for ${target} in this package, and compiling the addon`} failed` +
      `${why ? ` (${why})` : ''}. It needs Python 3, make and a C++17 compiler: on Debian or Ubuntu ` +
      '`apt-get install python3 make g++`, on Alpine `apk add python3 make g++`, on macOS `xcode-select --install`, ' +
      'on Windows the "Desktop development with C++" workload of Visual Studio Build Tools. ' +
      `Then install again. node-gyp's full output: ${logFile}\n`,
  );
  return 1;
}

process.exitCode = main();
