// The package is importable from ESM and CommonJS, as one copy, with types.
import { expect } from 'chai';
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as esm from 'listenconfig';

const require = createRequire(import.meta.url);

describe('package entry points', function () {
  it('ESM and CommonJS export the same objects', function () {
    const cjs = require('listenconfig');
    const names = Object.keys(cjs).sort();
    expect(names).to.include.members(['ListenConfig', 'listen', 'maxListenerBacklog', 'ErrClosed', 'OpError', 'constants']);
    for (const n of names) expect(esm[n], n).to.equal(cjs[n]);
  });

  it('TypeScript consumers (ESM and CommonJS) type-check against the published declarations', function () {
    this.timeout(60000);
    const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));
    const project = fileURLToPath(new URL('./types/tsconfig.json', import.meta.url));
    execFileSync(process.execPath, [tsc, '-p', project], { stdio: 'pipe' });
  });
});
