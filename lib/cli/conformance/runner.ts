// A small runner for the conformance specs, so `listenconfig conformance`
// needs no dev dependency: the describe/it/before/after/beforeEach/afterEach
// globals and the `this.skip()` / `this.timeout()` context the specs use
// under mocha, with mocha's order (hooks root to leaf, after hooks always)
// and its rule that a skip in before() skips the whole block. A spec prints
// its skip reason as a "skipped: …" line before this.skip(); the runner
// keeps that line as the reason instead of printing it.
import { pathToFileURL } from 'node:url';

type Fn = (this: Context, done?: (err?: unknown) => void) => unknown;

interface Suite {
  title: string;
  parent: Suite | undefined;
  file: string;
  suites: Suite[];
  tests: Test[];
  hooks: Record<'before' | 'after' | 'beforeEach' | 'afterEach', Fn[]>;
  ctx: Context;
  timeout: number | undefined;
  pending: boolean;
}

interface Test {
  title: string;
  fn: Fn | undefined;
  suite: Suite;
}

export interface Result {
  file: string;
  /** The describe titles, outermost first. */
  suite: string[];
  test: string;
  status: 'pass' | 'fail' | 'skip';
  /** Why it was skipped, or the first line of the failure. */
  reason?: string;
  ms: number;
}

class Pending extends Error {}

interface Context {
  timeout(ms?: number): number | Context;
  skip(): never;
  slow(): Context;
  [k: string]: unknown;
}

const DEFAULT_TIMEOUT = 20_000; // .mocharc.json's

function makeContext(parent: Context | undefined, state: { timeout: number }): Context {
  const ctx = Object.create(parent ?? null) as Context;
  ctx.timeout = function (ms?: number) {
    if (ms === undefined) return state.timeout;
    state.timeout = ms;
    return ctx;
  };
  ctx.skip = () => {
    throw new Pending('skipped');
  };
  ctx.slow = () => ctx;
  return ctx;
}

export class Runner {
  private root: Suite;
  private current: Suite;
  private file = '';
  /** The last "skipped: …" line a spec printed. */
  private skipReason: string | undefined;
  /** An uncaught error or unhandled rejection while a test or hook runs: it fails that one. */
  private stray: ((e: unknown) => void) | undefined;
  readonly results: Result[] = [];

  constructor(
    private readonly grep: RegExp | undefined,
    private readonly onResult: (r: Result) => void,
  ) {
    this.root = this.suite('', undefined);
    this.current = this.root;
  }

  private suite(title: string, parent: Suite | undefined): Suite {
    const s: Suite = {
      title,
      parent,
      file: this.file,
      suites: [],
      tests: [],
      hooks: { before: [], after: [], beforeEach: [], afterEach: [] },
      timeout: undefined,
      pending: false,
      ctx: undefined as unknown as Context,
    };
    const state = { timeout: DEFAULT_TIMEOUT };
    s.ctx = makeContext(parent?.ctx, state);
    Object.defineProperty(s, 'timeout', { get: () => state.timeout, set: (v: number) => (state.timeout = v) });
    if (parent) {
      s.timeout = parent.timeout;
      parent.suites.push(s);
    }
    return s;
  }

  /** Installs the globals, imports each file (which declares its tests), then takes them away. */
  async load(files: string[]): Promise<void> {
    const g = globalThis as Record<string, unknown>;
    const saved = ['describe', 'it', 'before', 'after', 'beforeEach', 'afterEach'].map((k) => [k, g[k]] as const);
    const describe = (title: string, fn: (this: Context) => void, pending = false) => {
      const parent = this.current;
      const s = this.suite(title, parent);
      s.pending = pending || parent.pending;
      this.current = s;
      try {
        fn.call(s.ctx);
      } finally {
        this.current = parent;
      }
    };
    const it = (title: string, fn?: Fn) => {
      this.current.tests.push({ title, fn: this.current.pending ? undefined : fn, suite: this.current });
    };
    g.describe = Object.assign((t: string, f: (this: Context) => void) => describe(t, f), {
      skip: (t: string, f: (this: Context) => void) => describe(t, f, true),
    });
    g.it = Object.assign(it, { skip: (t: string) => it(t, undefined) });
    for (const k of ['before', 'after', 'beforeEach', 'afterEach'] as const)
      g[k] = (fn: Fn) => this.current.hooks[k].push(fn);
    try {
      for (const file of files) {
        this.file = file;
        const top = this.suite('', this.root);
        this.current = top;
        try {
          await import(pathToFileURL(file).href);
        } catch (e) {
          // A spec that cannot load (a module it imports is missing) is one
          // failed row, not the end of the run.
          top.tests.push({ title: 'loads', fn: () => Promise.reject(e), suite: top });
        }
        this.current = this.root;
      }
    } finally {
      for (const [k, v] of saved) g[k] = v;
    }
  }

  /** Runs fn with the context, a timeout, a done callback if it takes one; resolves to the outcome. */
  private async call(fn: Fn, suite: Suite, ctx: Context): Promise<{ ok: true } | { ok: false; error: unknown }> {
    let timer: NodeJS.Timeout | undefined;
    let restore = () => {};
    try {
      await new Promise<void>((resolve, reject) => {
        this.stray = reject;
        const limit = suite.timeout ?? DEFAULT_TIMEOUT;
        const state = { timeout: limit };
        // `this` is the suite's context itself, as in mocha (what before()
        // puts on it, the tests see); timeout() acts on this runnable only.
        const suiteTimeout = ctx.timeout;
        restore = () => (ctx.timeout = suiteTimeout);
        ctx.timeout = (ms?: number) => {
          if (ms === undefined) return state.timeout;
          state.timeout = ms;
          arm();
          return ctx;
        };
        const arm = () => {
          clearTimeout(timer);
          if (state.timeout > 0)
            timer = setTimeout(() => reject(new Error(`Timeout of ${state.timeout}ms exceeded`)), state.timeout);
        };
        arm();
        const r =
          fn.length > 0
            ? new Promise<void>((res, rej) => fn.call(ctx, (err?: unknown) => (err ? rej(err) : res())))
            : fn.call(ctx);
        Promise.resolve(r).then(() => resolve(), reject);
      });
      return { ok: true };
    } catch (error) {
      return { ok: false, error };
    } finally {
      clearTimeout(timer);
      restore();
      this.stray = undefined;
    }
  }

  private titles(s: Suite): string[] {
    const t: string[] = [];
    for (let x: Suite | undefined = s; x; x = x.parent) if (x.title) t.unshift(x.title);
    return t;
  }

  private report(t: Test, status: Result['status'], reason: string | undefined, ms: number): void {
    const r: Result = { file: t.suite.file, suite: this.titles(t.suite), test: t.title, status, ms };
    if (reason) r.reason = reason;
    this.results.push(r);
    this.onResult(r);
  }

  private selected(t: Test): boolean {
    return !this.grep || this.grep.test([...this.titles(t.suite), t.title].join(' '));
  }

  private all(s: Suite): Test[] {
    return [...s.tests, ...s.suites.flatMap((c) => this.all(c))].filter((t) => this.selected(t));
  }

  private reasonOf(error: unknown): string {
    if (error instanceof Pending) {
      const r = this.skipReason ?? 'skipped by the spec';
      this.skipReason = undefined;
      return r;
    }
    const e = error as { message?: unknown };
    return String(e && typeof e === 'object' && 'message' in e ? e.message : error).split('\n')[0]!;
  }

  private eachHooks(s: Suite, kind: 'beforeEach' | 'afterEach'): Array<[Fn, Suite]> {
    const chain: Suite[] = [];
    for (let x: Suite | undefined = s; x; x = x.parent) chain.unshift(x);
    if (kind === 'afterEach') chain.reverse();
    return chain.flatMap((x) => x.hooks[kind].map((h) => [h, x] as [Fn, Suite]));
  }

  private async runSuite(s: Suite): Promise<void> {
    const tests = this.all(s);
    if (tests.length === 0) return;
    for (const h of s.hooks.before) {
      const r = await this.call(h, s, s.ctx);
      if (!r.ok) {
        const skipped = r.error instanceof Pending;
        const reason = this.reasonOf(r.error);
        for (const t of tests)
          this.report(t, skipped ? 'skip' : 'fail', skipped ? reason : `before hook: ${reason}`, 0);
        await this.afterAll(s);
        return;
      }
    }
    for (const t of s.tests.filter((x) => this.selected(x))) await this.runTest(t);
    for (const c of s.suites) await this.runSuite(c);
    await this.afterAll(s);
  }

  private async afterAll(s: Suite): Promise<void> {
    for (const h of s.hooks.after) {
      const r = await this.call(h, s, s.ctx);
      if (!r.ok && !(r.error instanceof Pending)) {
        this.results.push({
          file: s.file,
          suite: this.titles(s),
          test: '"after all" hook',
          status: 'fail',
          reason: this.reasonOf(r.error),
          ms: 0,
        });
        this.onResult(this.results[this.results.length - 1]!);
      }
    }
  }

  private async runTest(t: Test): Promise<void> {
    if (!t.fn)
      return this.report(t, 'skip', t.suite.pending ? 'the block is marked skip' : 'the test is marked skip', 0);
    const start = Date.now();
    let outcome: { ok: true } | { ok: false; error: unknown } = { ok: true };
    for (const [h, owner] of this.eachHooks(t.suite, 'beforeEach')) {
      outcome = await this.call(h, owner, t.suite.ctx);
      if (!outcome.ok) break;
    }
    if (outcome.ok) outcome = await this.call(t.fn, t.suite, t.suite.ctx);
    for (const [h, owner] of this.eachHooks(t.suite, 'afterEach')) {
      const r = await this.call(h, owner, t.suite.ctx);
      if (outcome.ok && !r.ok) outcome = r;
    }
    const ms = Date.now() - start;
    if (outcome.ok) this.report(t, 'pass', undefined, ms);
    else if (outcome.error instanceof Pending) this.report(t, 'skip', this.reasonOf(outcome.error), ms);
    else this.report(t, 'fail', this.reasonOf(outcome.error), ms);
  }

  /** The loaded behaviours the grep selects, without running anything. */
  list(): Array<{ file: string; suite: string[]; test: string }> {
    return this.all(this.root).map((t) => ({ file: t.suite.file, suite: this.titles(t.suite), test: t.title }));
  }

  /** Runs every loaded suite. Spec output is kept back; "skipped: …" lines become reasons. */
  async run(): Promise<Result[]> {
    const log = console.log;
    const onStray = (e: unknown) => {
      if (this.stray) this.stray(e);
      else
        this.results.push({
          file: '',
          suite: [],
          test: 'outside any test',
          status: 'fail',
          reason: this.reasonOf(e),
          ms: 0,
        });
    };
    console.log = (...args: unknown[]) => {
      const m = /^\s*skipped: (.*)$/s.exec(args.map(String).join(' '));
      if (m) this.skipReason = m[1]!.trim();
    };
    process.on('uncaughtException', onStray);
    process.on('unhandledRejection', onStray);
    try {
      for (const s of this.root.suites) await this.runSuite(s);
    } finally {
      console.log = log;
      process.off('uncaughtException', onStray);
      process.off('unhandledRejection', onStray);
    }
    return this.results;
  }
}
