// listenconfig conformance (issue 12): the spec/ suite `npm test` runs,
// run from the installed package by lib/cli/conformance/runner.ts instead of
// mocha, and printed as a table: behaviour, pass/fail/skip, and why.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CliError, emit, parse, type Command, type Io } from '../command';
import { Runner, type Result } from './runner';

const help = `Usage: listenconfig conformance [--grep PATTERN] [--list] [--json] [FILE.spec.mjs …]

Runs the conformance suite shipped in this package (spec/*.spec.mjs, Go's
own net tests ported in spec/go-net/; on Windows spec/windows/ too) on this
machine: the backlog contract, Control, keep-alive, errors in Go's text,
close and lifecycle, EMFILE, serve(). Each
behaviour prints pass, fail or skip, with the reason for a skip (not root,
no Go toolchain, another OS) or the first line of a failure. Exits 1 when a
behaviour fails. Takes one to two minutes.

FILE arguments run those spec files instead of the shipped ones.

Options:
  --grep PATTERN   only the behaviours whose suite and title match (a regular expression)
  --list           name the behaviours it would run, and run none
  --json           one JSON document with every result on stdout
  -h, --help       this text`;

/** The package's spec/ folder: dist/cli/conformance -> the package root. */
export const specDir = path.join(__dirname, '..', '..', '..', 'spec');

/** The spec files this OS runs, in a stable order. */
export function specFiles(platform: string = process.platform): string[] {
  const list = (dir: string) =>
    fs.existsSync(dir)
      ? fs
          .readdirSync(dir)
          .filter((f) => f.endsWith('.spec.mjs'))
          .sort()
          .map((f) => path.join(dir, f))
      : [];
  // spec/go-net: Go's own net tests, ported (they skip per OS themselves).
  const files = [...list(specDir), ...list(path.join(specDir, 'go-net'))];
  if (platform === 'win32') files.push(...list(path.join(specDir, 'windows')));
  return files;
}

const mark = { pass: 'pass', fail: 'FAIL', skip: 'skip' } as const;

async function conformance(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { grep: { type: 'string' }, list: { type: 'boolean' } }, true);
  if (values.help) {
    io.stdout.write(help + '\n');
    return 0;
  }
  let grep: RegExp | undefined;
  if (typeof values.grep === 'string') {
    try {
      grep = new RegExp(values.grep);
    } catch (e) {
      throw new CliError(`--grep: ${(e as Error).message}`);
    }
  }
  const files = positionals.length ? positionals.map((f) => path.resolve(f)) : specFiles();
  for (const f of files) if (!fs.existsSync(f)) throw new CliError(`no such spec file: ${f}`);
  if (files.length === 0) throw new CliError(`no spec files in ${specDir}`);
  const json = !!values.json;
  let lastSuite = '';
  const onResult = (r: Result) => {
    if (json) return;
    const suite = `${path.basename(r.file)}: ${r.suite.join(' › ')}`;
    if (suite !== lastSuite) io.stdout.write(`\n${suite}\n`);
    lastSuite = suite;
    io.stdout.write(`  ${mark[r.status]}  ${r.test}${r.status === 'pass' ? '' : `\n          ${r.reason ?? ''}`}\n`);
  };
  if (!json)
    io.stdout.write(
      `listenconfig conformance: ${process.platform}-${process.arch}, Node ${process.versions.node}, ${files.length} spec files\n`,
    );
  const runner = new Runner(grep, onResult);
  await runner.load(files);
  if (values.list) {
    const behaviours = runner.list();
    if (grep && behaviours.length === 0)
      throw new CliError(`--grep ${JSON.stringify(values.grep)} matches no behaviour`);
    emit(
      io,
      json,
      { platform: process.platform, files: files.length, count: behaviours.length, behaviours },
      () =>
        behaviours.map((b) => `${path.basename(b.file)}: ${[...b.suite, b.test].join(' › ')}`).join('\n') +
        `\n\n${behaviours.length} behaviours in ${files.length} spec files`,
    );
    return 0;
  }
  const results = await runner.run();
  const count = (s: Result['status']) => results.filter((r) => r.status === s).length;
  const summary = { passed: count('pass'), failed: count('fail'), skipped: count('skip') };
  if (grep && results.length === 0) throw new CliError(`--grep ${JSON.stringify(values.grep)} matches no behaviour`);
  emit(
    io,
    json,
    { platform: process.platform, arch: process.arch, node: process.versions.node, ...summary, results },
    () => `\n${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped`,
  );
  return summary.failed > 0 ? 1 : 0;
}

export const command: Command = {
  name: 'conformance',
  summary: 'run the shipped conformance suite on this OS and print a table',
  help,
  run: conformance,
};
