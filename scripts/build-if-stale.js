#!/usr/bin/env node
// Builds only what is missing or older than its sources: the addon
// (build/Release/listenconfig.node, from binding.gyp and src-native/) and
// dist/ (from lib/ and tsconfig.json). npm run example runs it first, so a
// clone that npm ci has just built starts the example without compiling.
// `npm run build` still rebuilds everything.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

/** The newest modification time under the given files and folders (0 if none). */
function newest(root, entries) {
  let t = 0;
  const visit = (p) => {
    let st;
    try {
      st = fs.statSync(p);
    } catch {
      return;
    }
    if (st.isDirectory()) for (const e of fs.readdirSync(p)) visit(path.join(p, e));
    else t = Math.max(t, st.mtimeMs);
  };
  for (const e of entries) visit(path.join(root, e));
  return t;
}

function mtime(p) {
  try {
    return fs.statSync(p).mtimeMs;
  } catch {
    return undefined;
  }
}

/** What needs building under root: { native, ts }, each a reason string or false. */
function staleness(root) {
  const addon = mtime(path.join(root, 'build', 'Release', 'listenconfig.node'));
  const dist = mtime(path.join(root, 'dist', 'index.js'));
  const because = (out, srcs, what) => {
    if (out === undefined) return `${what} is missing`;
    return newest(root, srcs) > out ? `${what} is older than its sources` : false;
  };
  return {
    native: because(addon, ['binding.gyp', 'src-native'], 'build/Release/listenconfig.node'),
    ts: because(dist, ['lib', 'tsconfig.json'], 'dist/'),
  };
}

module.exports = { staleness };

if (require.main === module) {
  const root = path.join(__dirname, '..');
  const s = staleness(root);
  const npm = (script) =>
    execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', '--silent', script], {
      cwd: root,
      stdio: 'inherit',
      shell: process.platform === 'win32',
    });
  if (s.native) {
    console.error(`build: ${s.native}: npm run build:native`);
    npm('build:native');
  }
  if (s.ts) {
    console.error(`build: ${s.ts}: npm run build:ts`);
    npm('build:ts');
  }
  if (!s.native && !s.ts) console.error('build: the addon and dist/ are up to date');
}
