// One list of supported Node releases (node-versions.json): package.json's
// engines, the hosted CI matrix, scripts/test-node-versions.sh and
// scripts/test-node-suite.sh all follow
// it, and every installed dependency accepts its oldest release (npm ci on
// it must not warn EBADENGINE).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import yaml from 'js-yaml';
import semver from 'semver';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const read = (f) => fs.readFileSync(path.join(root, f), 'utf8');

describe('supported Node versions (node-versions.json)', function () {
  const { versions } = JSON.parse(read('node-versions.json'));
  const pkg = JSON.parse(read('package.json'));
  const oldest = versions.map((v) => semver.parse(v)).sort(semver.compare)[0];

  it('lists exact releases, one per major', function () {
    expect(versions).to.not.be.empty;
    for (const v of versions) expect(semver.valid(v), v).to.equal(v);
    const majors = versions.map((v) => semver.major(v));
    expect(new Set(majors).size).to.equal(majors.length);
  });

  it("package.json's engines.node starts at the oldest listed major", function () {
    expect(pkg.engines.node).to.equal(`>=${oldest.major}`);
  });

  it('the hosted CI matrix is computed from it', function () {
    const wf = yaml.load(read('.github/workflows/ci.yml'));
    const run = wf.jobs.versions.steps.find((s) => s.id === 'read').run;
    // Evaluate the job's own expression, as the runner would.
    const js = run.match(/node -p '([^']+)'/)[1];
    const out = execFileSync(process.execPath, ['-p', js], { cwd: root, encoding: 'utf8' }).trim();
    expect(JSON.parse(out)).to.deep.equal(versions.map((v) => semver.major(v)));
  });

  it('scripts/test-node-versions.sh reads it and types no version of its own', function () {
    const sh = read('scripts/test-node-versions.sh');
    expect(sh).to.include('node-versions.json');
    const code = sh
      .split('\n')
      .filter((l) => !l.trimStart().startsWith('#'))
      .join('\n');
    expect(code).to.not.match(/\b\d+\.\d+\.\d+\b/);
  });

  it('scripts/test-node-suite.sh reads it and types no version of its own', function () {
    const sh = read('scripts/test-node-suite.sh');
    expect(sh).to.include('node-versions.json');
    const code = sh
      .split('\n')
      .filter((l) => !l.trimStart().startsWith('#'))
      .join('\n');
    expect(code).to.not.match(/\b\d+\.\d+\.\d+\b/);
    expect(code).to.not.match(/majors=\([\d ]+\)/);
  });

  it('the running Node is one of the supported majors', function () {
    expect(versions.map((v) => semver.major(v))).to.include(semver.major(process.version));
  });

  it(`every package in package-lock.json accepts Node ${oldest.major} (no EBADENGINE)`, function () {
    const lock = JSON.parse(read('package-lock.json'));
    const bad = [];
    for (const [where, p] of Object.entries(lock.packages)) {
      const range = p.engines?.node;
      if (!where || !range) continue;
      // The oldest release of the major a user may run: the listed one.
      if (!semver.satisfies(oldest.version, range)) bad.push(`${where}@${p.version} wants node ${range}`);
    }
    expect(bad).to.deep.equal([]);
  });
});
