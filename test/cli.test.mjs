// The listenconfig command's dispatch (lib/cli/main.ts), as a user runs it.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const run = (...args) => {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

describe('listenconfig (the command)', function () {
  this.timeout(30_000);

  it('--help lists doctor, burst and conformance and exits 0; no command prints it and exits 2', function () {
    const r = run('--help');
    expect(r.code).to.equal(0);
    for (const c of ['doctor', 'burst', 'conformance']) expect(r.out).to.match(new RegExp(`\\n  ${c} +\\S`));
    const none = run();
    expect(none.code).to.equal(2);
    expect(none.out).to.equal(r.out);
  });

  it("--version is package.json's", function () {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect(run('--version').out).to.equal(`${pkg.version}\n`);
  });

  it('a negative number after an option is its value: the option says why it is wrong, in one line', function () {
    for (const [args, text] of [
      [['doctor', '--backlog', '-1'], 'listenconfig: --backlog must be an integer >= 1, not "-1"\n'],
      [['burst', '127.0.0.1:1', '-n', '-5'], 'listenconfig: -n/--connections must be an integer >= 1, not "-5"\n'],
      [
        ['doctor', '--backlog', '--json'],
        "listenconfig: --backlog needs a value (one starting with '-' is written --backlog=VALUE)\n",
      ],
    ]) {
      const r = run(...args);
      expect(r.code, args.join(' ')).to.equal(2);
      expect(r.err).to.equal(text);
    }
  });

  it('an unknown command is one line on stderr and exit 2', function () {
    const r = run('docter');
    expect(r.code).to.equal(2);
    expect(r.out).to.equal('');
    expect(r.err).to.equal('listenconfig: unknown command "docter" (commands: doctor, burst, conformance)\n');
  });

  it('package.json bin points at the built command, which starts with a node shebang', function () {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect(pkg.bin).to.deep.equal({ listenconfig: 'dist/cli/main.js' });
    expect(readFileSync(cli, 'utf8').split('\n')[0]).to.equal('#!/usr/bin/env node');
  });
});
