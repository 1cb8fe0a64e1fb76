// What every CLI command shares: one option parser (node:util's parseArgs,
// so --help and --json mean the same everywhere) and one error type whose
// message is the single line the user sees (issue 12).
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A failure the user caused or can fix: printed as one line, exit code 2. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}

/** Where a command writes; process.stdout and process.stderr unless a test says otherwise. */
export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

export interface Command {
  name: string;
  /** One line for `listenconfig --help`. */
  summary: string;
  /** The whole text of `listenconfig NAME --help`. */
  help: string;
  /** Runs the command; resolves to the process exit code. */
  run(args: string[], io: Io): Promise<number>;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * parseArgs with --help and --json added, strict, and its errors turned into
 * one-line CliErrors ("unknown option '--x'"). `values.help` short-circuits:
 * callers print their help and return 0.
 */
export function parse<O extends Options>(
  args: string[],
  options: O,
  allowPositionals = false,
): {
  values: Record<string, string | boolean | undefined> & { help?: boolean; json?: boolean };
  positionals: string[];
} {
  // parseArgs reads "--backlog -1" as an option missing its value followed
  // by an option -1 ("argument is ambiguous"). A negative number after an
  // option that takes a value is that value: pass it on, so the option's own
  // check can say what is wrong with it.
  const takesValue = (a: string) =>
    Object.entries(options).some(
      ([k, o]) => o.type === 'string' && (a === `--${k}` || (o.short !== undefined && a === `-${o.short}`)),
    );
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const next = args[i + 1];
    if (next !== undefined && /^-\d/.test(next) && takesValue(a)) {
      joined.push(a.startsWith('--') ? `${a}=${next}` : `${a}${next}`);
      i++;
    } else joined.push(a);
  }
  try {
    const { values, positionals } = parseArgs({
      args: joined,
      options: { ...options, help: { type: 'boolean', short: 'h' }, json: { type: 'boolean' } },
      allowPositionals,
      strict: true,
    });
    return { values: values as Record<string, string | boolean | undefined>, positionals };
  } catch (e) {
    // parseArgs' texts are one line, but its unknown-option text goes on to
    // explain '--' for positionals; keep the first sentence and point at --help.
    const text = String((e as Error).message).split('\n')[0]!;
    const unknown = /^(Unknown option '[^']*')/.exec(text);
    if (unknown) throw new CliError(`${unknown[1]} (see --help)`);
    const ambiguous = /^Option '([^']*)' argument is ambiguous/.exec(text);
    if (ambiguous)
      throw new CliError(`${ambiguous[1]} needs a value (one starting with '-' is written ${ambiguous[1]}=VALUE)`);
    throw new CliError(text);
  }
}

/**
 * A positive integer option, or undefined when absent; a bad value is a
 * CliError naming the flag as `label` (e.g. "-n/--connections") or --name.
 */
export function intOption(
  values: Record<string, unknown>,
  name: string,
  min = 1,
  label = `--${name}`,
): number | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < min)
    throw new CliError(`${label} must be an integer >= ${min}, not ${JSON.stringify(v)}`);
  return n;
}

/** A duration option in milliseconds: "500ms", "2s", "1.5s" or a bare number of ms. */
export function durationOption(values: Record<string, unknown>, name: string): number | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  const m = typeof v === 'string' ? /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(v) : null;
  if (!m) throw new CliError(`--${name} must be a duration such as 500ms or 2s, not ${JSON.stringify(v)}`);
  const scale = m[2] === 's' ? 1000 : m[2] === 'm' ? 60_000 : 1;
  return Number(m[1]) * scale;
}

/** Writes a JSON document, or the text, followed by a newline. */
export function emit(io: Io, json: boolean, doc: unknown, text: () => string): void {
  io.stdout.write(json ? JSON.stringify(doc, null, 2) + '\n' : text().replace(/\n?$/, '\n'));
}
