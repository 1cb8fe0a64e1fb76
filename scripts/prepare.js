#!/usr/bin/env node
// npm's prepare hook: runs after `npm install` in a clone and when npm
// installs this package from git. It compiles the TypeScript and copies this
// machine's addon (built by the install hook) into prebuilds/, so the
// package npm packs from the clone loads without a compiler (issue 12).
// `npm pack` and `npm publish` run scripts/prebuild.sh instead (prepack),
// which also cross-builds and checks the binaries.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
process.chdir(root);

execFileSync(process.execPath, [path.join(__dirname, 'build-ts.js')], { stdio: 'inherit' });

// npm pack and npm publish run prepack (scripts/prebuild.sh: stripped,
// glibc-checked binaries) and then prepare: keep prepack's binaries.
if (process.env.npm_command === 'pack' || process.env.npm_command === 'publish') process.exit(0);

const built = path.join('build', 'Release', 'listenconfig.node');
if (!fs.existsSync(built)) {
  // The install hook found a prebuilt binary and compiled nothing: keep it.
  process.exit(0);
}
// node-gyp-build's names: a libc tag on Linux keeps a glibc binary off musl.
const libc = process.platform === 'linux' ? (fs.existsSync('/etc/alpine-release') ? '.musl' : '.glibc') : '';
const dir = path.join('prebuilds', `${process.platform}-${process.arch}`);
fs.mkdirSync(dir, { recursive: true });
fs.copyFileSync(built, path.join(dir, `node.napi${libc}.node`));
