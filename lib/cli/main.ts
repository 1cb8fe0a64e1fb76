#!/usr/bin/env node
// The listenconfig command (package.json "bin"): doctor, burst, conformance.
// Every command takes --help and --json; an error is one line on stderr and
// a non-zero exit code, never a stack (issue 12). Nothing in lib/ imports
// this folder.
import type { Command, Io } from './command';
import { CliError } from './command';

/** Loaded on demand: `listenconfig burst` never loads the conformance runner. */
const commands: Record<string, { summary: string; load: () => Command }> = {
  doctor: {
    summary: "this machine's listen facts (backlog limits, queue counters) and advice",
    load: () => require('./doctor/index').command,
  },
  burst: {
    summary: 'open N connections at once against a server and report what became of them',
    load: () => require('./burst').command,
  },
  conformance: {
    summary: 'run the shipped conformance suite on this OS and print a table',
    load: () => require('./conformance/index').command,
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((n) => n.length));
  return [
    'Usage: listenconfig <command> [options]',
    '',
    "Go's net.ListenConfig for Node.js: what this machine's listen(2) really does.",
    '',
    'Commands:',
    ...Object.entries(commands).map(([n, c]) => `  ${n.padEnd(width)}  ${c.summary}`),
    '',
    'Every command takes --help and --json. `listenconfig <command> --help` for its options.',
  ].join('\n');
}

export async function main(argv: string[], io: Io = process): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(usage() + '\n');
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(require('../../package.json').version + '\n');
    return 0;
  }
  try {
    const entry = commands[name];
    if (!entry)
      throw new CliError(`unknown command ${JSON.stringify(name)} (commands: ${Object.keys(commands).join(', ')})`);
    return await entry.load().run(rest, io);
  } catch (e) {
    const msg = e instanceof CliError ? e.message : e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    io.stderr.write(`listenconfig: ${msg}\n`);
    return e instanceof CliError ? e.exitCode : 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`listenconfig: ${String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
