#!/usr/bin/env node
// Compiles lib/ into dist/ (npm run build:ts, prepare, prepack). dist/ is
// emptied first: tsc never deletes, and a module that moved
// (errors.ts -> errors/index.ts) would leave its old output behind, which
// require('./errors') then finds before the directory.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
fs.rmSync(path.join(root, 'dist'), { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.json')], {
  stdio: 'inherit',
});
