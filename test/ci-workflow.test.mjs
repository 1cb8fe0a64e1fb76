// The hosted CI workflow (.github/workflows/) is where Windows, macOS and
// Linux really run; nothing here can execute it, so at least keep it valid:
// it parses as YAML, has the shape GitHub Actions requires, and covers the
// OSes and Node releases the package promises.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import yaml from 'js-yaml';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '.github', 'workflows');

describe('CI workflows (.github/workflows)', function () {
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)) : [];

  it('there is at least one workflow', function () {
    expect(files).to.not.be.empty;
  });

  for (const f of files) {
    describe(f, function () {
      let wf;
      before(function () {
        wf = yaml.load(fs.readFileSync(path.join(dir, f), 'utf8'));
      });

      it('parses, with on and jobs', function () {
        expect(wf).to.be.an('object');
        expect(wf).to.have.property('on');
        expect(wf.jobs).to.be.an('object').and.not.empty;
      });

      it('every job has runs-on and steps, every step uses or runs something', function () {
        for (const [name, job] of Object.entries(wf.jobs)) {
          expect(job['runs-on'], `${name}.runs-on`).to.exist;
          expect(job.steps, `${name}.steps`).to.be.an('array').and.not.empty;
          job.steps.forEach((s, i) => {
            expect(Boolean(s.uses) !== Boolean(s.run), `${name}.steps[${i}] needs exactly one of uses/run`).to.equal(
              true,
            );
          });
        }
      });
    });
  }

  it('ci.yml runs on Windows, macOS and Linux, on the Node majors node-versions.json lists', function () {
    const wf = yaml.load(fs.readFileSync(path.join(dir, 'ci.yml'), 'utf8'));
    const { matrix } = wf.jobs.test.strategy;
    expect(matrix.os).to.include.members(['ubuntu-latest', 'macos-latest', 'windows-latest']);
    // The matrix is read from node-versions.json by the versions job, not typed.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression, not a JS template
    expect(matrix.node).to.equal('${{ fromJSON(needs.versions.outputs.node) }}');
    expect(wf.jobs.test.needs).to.equal('versions');
    const read = wf.jobs.versions.steps.map((s) => s.run ?? '').join('\n');
    expect(read).to.include('node-versions.json');
    const windowsRun = wf.jobs.test.steps.find((s) => s.if === "runner.os == 'Windows'")?.run ?? '';
    expect(windowsRun).to.include('spec/windows/');
  });
});
