// docs/message-sockets.md promises runnable examples: each ```js block runs
// as an ES module importing 'listenconfig' and must exit 0.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const doc = readFileSync(join(root, 'docs/message-sockets.md'), 'utf8');
const blocks = [...doc.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);

describe('docs/message-sockets.md examples', function () {
  it('has examples', function () {
    expect(blocks.length).to.be.at.least(5);
  });
  blocks.forEach((code, i) => {
    it(`example ${i + 1} runs and exits 0`, function () {
      if (process.platform === 'win32') {
        console.log('      skipped: unix message sockets are refused on Windows');
        this.skip();
      }
      // Inside the package, so that 'listenconfig' resolves to this build.
      const file = join(root, `.docs-example-${process.pid}-${i}.mjs`);
      writeFileSync(file, code);
      try {
        const r = spawnSync(process.execPath, [file], { cwd: root, encoding: 'utf8', timeout: 15_000 });
        expect(r.status, r.stderr).to.equal(0);
      } finally {
        rmSync(file, { force: true });
      }
    });
  });
});
