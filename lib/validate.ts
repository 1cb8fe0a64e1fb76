// Argument and option validation for ListenConfig and listen(), with Node's
// error codes and message shapes (internal/validators.js), so a bad value
// fails at the front door, before any lookup or socket, and reads as Node's
// own argument errors do.
import { inspect } from 'node:util';
import type { KeepAliveConfig } from './keepalive';

/** The largest backlog listen(2) takes: its argument is a C int. */
export const MAX_BACKLOG = 2 ** 31 - 1;

function optionError(ctor: typeof TypeError | typeof RangeError, code: string, message: string): Error {
  return Object.assign(new ctor(message), { code });
}

/** Node's `Received ...` text for a value (determineSpecificType in internal/errors.js). */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  switch (typeof v) {
    case 'bigint':
      return `type bigint (${v}n)`;
    case 'number':
      return `type number (${Object.is(v, -0) ? '-0' : String(v)})`;
    case 'boolean':
    case 'symbol':
      return `type ${typeof v} (${String(v)})`;
    case 'function':
      return `function ${v.name}`;
    case 'string': {
      const s = v.length > 28 ? `${v.slice(0, 25)}...` : v;
      return s.includes("'") ? `type string (${JSON.stringify(s)})` : `type string ('${s}')`;
    }
    default:
      try {
        const ctor = (v as { constructor?: { name?: unknown } }).constructor;
        if (typeof ctor?.name === 'string') return `an instance of ${ctor.name}`;
      } catch {
        // A throwing `constructor` getter: describe the value as inspect sees it.
      }
      return inspect(v, { depth: -1 });
  }
}

/** Node's validateObject: a non-null object, not an array, not a function. */
function validateObject(name: string, kind: 'argument' | 'option', v: unknown): asserts v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw optionError(
      TypeError,
      'ERR_INVALID_ARG_TYPE',
      `The "${name}" ${kind} must be of type object. Received ${describe(v)}`,
    );
  }
}

// Optimal string alignment distance: Levenshtein plus adjacent
// transpositions, so "bakclog" is one edit from "backlog".
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The known key a misspelt one most likely meant, if any is close. */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    // Case alone never makes a different option: "keepalive" is keepAlive.
    const d = k.toLowerCase() === key.toLowerCase() ? 0 : editDistance(key, k);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  // About one edit in three, at least two: "backlogg" and "cnt" find their
  // option, "timeout" finds none.
  return bestDistance <= Math.max(2, Math.floor(key.length / 3)) && bestDistance < key.length ? best : undefined;
}

/**
 * Unknown keys throw: a misspelt `backlogg` that is silently ignored
 * listens with the default backlog, the very failure of Go issue 39000.
 * Only own enumerable string keys count, the keys an object literal or a
 * spread makes. Symbol keys are never option names (libraries tag objects
 * with them), and inherited keys are a prototype's business: counting them
 * would make every call throw once anything polluted Object.prototype.
 */
function rejectUnknownKeys(owner: string, prefix: string, v: object, known: readonly string[]): void {
  for (const key of Object.keys(v)) {
    if (known.includes(key)) continue;
    const close = closestKey(key, known);
    const hint = close === undefined ? '' : ` Did you mean ${JSON.stringify(prefix + close)}?`;
    throw optionError(
      TypeError,
      'ERR_INVALID_ARG_VALUE',
      `The option ${JSON.stringify(prefix + key)} is not known to ${owner}.${hint}`,
    );
  }
}

function validateBacklog(v: unknown): number {
  if (v === undefined) return 0;
  if (typeof v !== 'number') {
    throw optionError(
      TypeError,
      'ERR_INVALID_ARG_TYPE',
      `The "backlog" option must be of type number. Received ${describe(v)}`,
    );
  }
  if (!Number.isInteger(v) || v < 0 || v > MAX_BACKLOG) {
    throw optionError(
      RangeError,
      'ERR_OUT_OF_RANGE',
      `The value of "backlog" is out of range. It must be an integer >= 0 && <= ${MAX_BACKLOG}. Received ${String(v)}`,
    );
  }
  return v;
}

function validateDuration(name: string, v: unknown): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number') {
    throw optionError(
      TypeError,
      'ERR_INVALID_ARG_TYPE',
      `The "${name}" option must be of type number. Received ${describe(v)}`,
    );
  }
  // A Go duration is a finite count; an infinite one would reach the kernel
  // as an idle time it refuses, silently leaving the OS default.
  if (!Number.isFinite(v)) {
    throw optionError(
      RangeError,
      'ERR_OUT_OF_RANGE',
      `The value of "${name}" is out of range. It must be a finite number of milliseconds. Received ${v}`,
    );
  }
  return v;
}

function validateBoolean(name: string, v: unknown): boolean | undefined {
  if (v !== undefined && typeof v !== 'boolean') {
    throw optionError(
      TypeError,
      'ERR_INVALID_ARG_TYPE',
      `The "${name}" option must be of type boolean. Received ${describe(v)}`,
    );
  }
  return v;
}

/**
 * @internal A ListenConfig's own multipathTCP setting: true, false, or
 * undefined for Go's default (GODEBUG), so that a copy keeps the default.
 */
export const MULTIPATH_TCP = Symbol('listenconfig.multipathTCP');

// A ListenConfig is a valid options object for another: its multipathTCP
// is Go's getter method (on the prototype), not an option value; its
// setting is copied as it is, undefined (Go's default) included.
function multipathTCPOf(options: Record<string | symbol, unknown>): boolean | undefined {
  const m = options.multipathTCP;
  if (typeof m === 'function' && !Object.hasOwn(options, 'multipathTCP')) {
    if (MULTIPATH_TCP in options) return options[MULTIPATH_TCP] as boolean | undefined;
    return m.call(options) === true;
  }
  return validateBoolean('multipathTCP', m);
}

const KEEP_ALIVE_CONFIG_KEYS = ['enable', 'idle', 'interval', 'count'] as const;

function validateKeepAliveConfig(v: unknown): KeepAliveConfig | undefined {
  if (v === undefined) return undefined;
  validateObject('keepAliveConfig', 'option', v);
  rejectUnknownKeys('KeepAliveConfig', 'keepAliveConfig.', v, KEEP_ALIVE_CONFIG_KEYS);
  if (v.enable !== undefined && typeof v.enable !== 'boolean') {
    throw optionError(
      TypeError,
      'ERR_INVALID_ARG_TYPE',
      `The "keepAliveConfig.enable" option must be of type boolean. Received ${describe(v.enable)}`,
    );
  }
  const count = v.count;
  if (count !== undefined && (typeof count !== 'number' || !Number.isInteger(count))) {
    throw optionError(
      typeof count === 'number' ? RangeError : TypeError,
      typeof count === 'number' ? 'ERR_OUT_OF_RANGE' : 'ERR_INVALID_ARG_TYPE',
      `The "keepAliveConfig.count" option must be an integer. Received ${describe(count)}`,
    );
  }
  return {
    enable: v.enable as boolean | undefined,
    idle: validateDuration('keepAliveConfig.idle', v.idle),
    interval: validateDuration('keepAliveConfig.interval', v.interval),
    count: count as number | undefined,
  };
}

const LISTEN_CONFIG_KEYS = ['backlog', 'control', 'keepAlive', 'keepAliveConfig', 'multipathTCP'] as const;

/** ListenConfig's options, checked and read once. */
export interface ValidConfig {
  backlog: number;
  control: ((...args: never[]) => unknown) | undefined;
  keepAlive: number | undefined;
  keepAliveConfig: KeepAliveConfig | undefined;
  /** undefined: Go's default, on unless GODEBUG says otherwise. */
  multipathTCP: boolean | undefined;
}

/** Validates `new ListenConfig(options)`; throws Node's argument errors. */
export function validateListenConfigOptions(options: unknown): ValidConfig {
  if (options === undefined) options = {};
  validateObject('options', 'argument', options);
  rejectUnknownKeys('ListenConfig', '', options, LISTEN_CONFIG_KEYS);
  const backlog = validateBacklog(options.backlog);
  const control = options.control;
  if (control !== undefined && typeof control !== 'function') {
    throw optionError(
      TypeError,
      'ERR_INVALID_ARG_TYPE',
      `The "control" option must be of type function. Received ${describe(control)}`,
    );
  }
  return {
    backlog,
    control: control as ValidConfig['control'],
    keepAlive: validateDuration('keepAlive', options.keepAlive),
    keepAliveConfig: validateKeepAliveConfig(options.keepAliveConfig),
    multipathTCP: multipathTCPOf(options),
  };
}

// AbortSignal's own `aborted` getter: it throws for anything that is not a
// real AbortSignal, even an object made from AbortSignal.prototype, which
// passes instanceof and then fails inside addEventListener.
const abortedGetter = Object.getOwnPropertyDescriptor(AbortSignal.prototype, 'aborted')?.get;

function isAbortSignal(v: unknown): v is AbortSignal {
  if (!(v instanceof AbortSignal)) return false;
  try {
    abortedGetter?.call(v);
    return true;
  } catch {
    return false;
  }
}

/**
 * Validates listen()'s `options` and returns its signal. A signal must be
 * a real AbortSignal: Node's validateAbortSignal only asks for an `aborted`
 * property, and a look-alike then fails later, inside the lookup, as if
 * DNS had failed.
 */
export function validateListenOptions(options: unknown, owner = 'ListenOptions'): AbortSignal | undefined {
  if (options === undefined) return undefined;
  validateObject('options', 'argument', options);
  rejectUnknownKeys(owner, '', options, ['signal']);
  const signal = options.signal;
  if (signal !== undefined && !isAbortSignal(signal)) {
    throw optionError(
      TypeError,
      'ERR_INVALID_ARG_TYPE',
      `The "options.signal" property must be an instance of AbortSignal. Received ${describe(signal)}`,
    );
  }
  return signal;
}

/** A boolean argument (Go's SetX(bool) methods), as Node's validateBoolean. */
export function validateBooleanArg(name: string, v: unknown): asserts v is boolean {
  if (typeof v !== 'boolean') {
    throw optionError(
      TypeError,
      'ERR_INVALID_ARG_TYPE',
      `The "${name}" argument must be of type boolean. Received ${describe(v)}`,
    );
  }
}

/**
 * listen()'s and listenPacket()'s (network, address), as Node's
 * validateString would check them, with Go's form suggested for the slips a Node user
 * makes: listen(8080), listen(':8080') or listen('localhost:8080') as
 * net.Server would take them.
 */
export function validateNetworkAddress(
  method: 'listen' | 'listenPacket',
  network: unknown,
  address: unknown,
): asserts network is string {
  const net = method === 'listen' ? 'tcp' : 'udp';
  let port: string | undefined;
  if (address === undefined && typeof network === 'number' && Number.isInteger(network)) port = `:${network}`;
  else if (address === undefined && typeof network === 'string' && /^(\[[^\]]*\]|[^:]*):\d+$|^\d+$/.test(network))
    port = /^\d+$/.test(network) ? `:${network}` : network;
  const hint = port === undefined ? '' : `; Go's form is ${method}('${net}', '${port}')`;
  for (const [name, v] of [
    ['network', network],
    ['address', address],
  ] as const) {
    if (typeof v !== 'string') {
      throw optionError(
        TypeError,
        'ERR_INVALID_ARG_TYPE',
        `The "${name}" argument must be of type string. Received ${describe(v)}${hint}`,
      );
    }
  }
}
