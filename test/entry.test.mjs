// The package is importable from ESM and CommonJS, as one copy, with types.
import { expect } from 'chai';
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as esm from 'listenconfig';
import lc from 'listenconfig';

const require = createRequire(import.meta.url);

describe('package entry points', function () {
  it('ESM and CommonJS export the same objects', function () {
    const cjs = require('listenconfig');
    const names = Object.keys(cjs).sort();
    expect(names).to.include.members(['ListenConfig', 'listen', 'maxListenerBacklog', 'ErrClosed', 'OpError', 'constants']);
    for (const n of names) expect(esm[n], n).to.equal(cjs[n]);
  });

  it("ESM's names are CommonJS's, with a default export and no __esModule marker", function () {
    const cjs = require('listenconfig');
    // lib/index.mts lists the names by hand; a name added to index.ts only fails here.
    expect(Object.keys(esm).filter((n) => n !== 'default').sort()).to.deep.equal(Object.keys(cjs).sort());
    expect(Object.keys(esm)).to.not.include('__esModule');
    expect(lc).to.equal(cjs);
    expect(lc.ListenConfig).to.equal(esm.ListenConfig);
  });

  it('TypeScript consumers (ESM and CommonJS) type-check against the published declarations', function () {
    this.timeout(60000);
    const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));
    const project = fileURLToPath(new URL('./types/tsconfig.json', import.meta.url));
    execFileSync(process.execPath, [tsc, '-p', project], { stdio: 'pipe' });
  });
});
