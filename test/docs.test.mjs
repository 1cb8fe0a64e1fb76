// The documentation is checked like code: every JavaScript and TypeScript
// block of README.md, CONTRIBUTING.md and docs/ runs (scripts/check-docs.mjs),
// and the generated numbers match what scripts/doc-tables.mjs writes from
// bench/results/latest.json and the spec files.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { blocks } from '../scripts/check-docs.mjs';
import { docs, generators, regenerate } from '../scripts/doc-tables.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const checkDocs = (...files) =>
  spawnSync(process.execPath, [path.join(root, 'scripts', 'check-docs.mjs'), ...files], {
    cwd: root,
    encoding: 'utf8',
    timeout: 170_000,
  });

describe('documentation', function () {
  this.timeout(180_000);

  it('every code block of README.md and docs/ runs (scripts/check-docs.mjs)', function () {
    const r = checkDocs();
    expect(r.status, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout).to.match(/doc blocks: [1-9]\d* run, 0 failed/);
    // The first example is a server that survives listenconfig burst.
    expect(r.stdout).to.match(/^ok {3}README\.md:\d+ \(js, server, /m);
  });

  it('refuses an untagged block, a skip without a reason, a failing block, a server that dies, a broken link', function () {
    const r = checkDocs('test/fixtures/docs/bad.md');
    expect(r.status).to.equal(1);
    const out = r.stdout;
    expect(out).to.match(/FAIL test\/fixtures\/docs\/bad\.md:3: a code block without a language/);
    expect(out).to.match(/FAIL test\/fixtures\/docs\/bad\.md:8: doc-check: skip without a reason/);
    expect(out).to.match(
      /FAIL test\/fixtures\/docs\/bad\.md:12 \(js\): exited with status 1:[\s\S]*this example is broken/,
    );
    expect(out).to.match(/FAIL test\/fixtures\/docs\/bad\.md:17 \(js, server\): /);
    expect(out).to.match(/skip test\/fixtures\/docs\/bad\.md:23: shown for the reason line/);
    expect(out).to.match(/ok {3}test\/fixtures\/docs\/bad\.md:27 \(js, /);
    expect(out).to.match(/FAIL test\/fixtures\/docs\/bad\.md:33: a link to no-such-file\.md: no such file/);
    expect(out).to.match(/a link to \.\.\/\.\.\/\.\.\/README\.md#no-such-heading: no such heading/);
    expect(out).to.match(/doc blocks: 3 run, 6 failed/);
  });

  it('reads the marker from the last non-blank line before the fence', function () {
    const { found, problems } = blocks('<!-- doc-check: server -->\n\n```ts\nx\n```\ntext\n```sh\nls\n```\n');
    expect(problems).to.deep.equal([]);
    expect(found.map((b) => [b.line, b.lang, b.marker])).to.deep.equal([
      [3, 'ts', 'server'],
      [7, 'sh', undefined],
    ]);
  });

  it('the generated tables and counts match their sources (npm run docs rewrites them)', function () {
    for (const f of docs) {
      const { stale, unknown } = regenerate(fs.readFileSync(path.join(root, f), 'utf8'));
      expect(unknown, f).to.deep.equal([]);
      expect(stale, `${f}: run npm run docs`).to.deep.equal([]);
    }
  });

  it('a table typed over by hand is found stale', function () {
    const text = fs.readFileSync(path.join(root, 'docs', 'benchmarks.md'), 'utf8');
    const edited = text.replace(
      /(<!-- generated:bench-burst -->\n(?:.*\n){2}\| 1000 \| [^|]+\| \d+ \| )[^|]+/,
      '$1**1** ',
    );
    expect(edited).to.not.equal(text);
    expect(regenerate(edited).stale).to.deep.equal(['bench-burst']);
    expect(Object.keys(generators)).to.include('conformance-count');
  });
});
