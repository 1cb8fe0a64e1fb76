// Shared helpers of the conformance suite: real sockets, deadlines on
// events instead of fixed sleeps wherever an event exists.
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as dns from 'node:dns';
import { fileURLToPath } from 'node:url';
import { expect } from './expect.mjs';

/** The package root (this repository, or node_modules/listenconfig when installed). */
export const repoRoot = fileURLToPath(new URL('..', import.meta.url));

// Linux lists a process's descriptors in /proc/self/fd, macOS and the BSDs
// in /dev/fd (fdescfs; without it FreeBSD shows only 0-2).
const fdDir = fs.existsSync('/proc/self/fd') ? '/proc/self/fd' : '/dev/fd';

/** Open descriptors of this process. */
export function fdCount() {
  return fs.readdirSync(fdDir).length;
}

/**
 * Runs `fn` and asserts that this process has as many descriptors open
 * after it as before: a failure path that leaks one shows here.
 */
export async function expectSameFdCount(fn) {
  const before = fdCount();
  await fn();
  expect(fdCount(), 'open descriptors').to.equal(before);
}

/**
 * Skips the calling test or suite (`ctx`, mocha's `this`), printing why as
 * a "skipped: …" line indented as mocha prints the tests beside it.
 */
export function skip(ctx, why) {
  // Mocha indents by two spaces per suite; a test one more level in.
  let depth = 0;
  for (let s = ctx.test?.parent; s?.parent; s = s.parent) depth++;
  console.log(`${'  '.repeat(Math.max(depth, 1) + 1)}skipped: ${why}`);
  ctx.skip();
}

/**
 * The I/O methods report argument errors as listen() does: the promise
 * rejects with a `type` error of `code`; nothing is thrown synchronously.
 */
export async function expectRejection(promise, type, code) {
  expect(promise).to.be.instanceOf(Promise);
  const e = await promise.then(
    () => undefined,
    (e) => e,
  );
  expect(e).to.be.instanceOf(type);
  expect(e.code).to.equal(code);
}

/** A net.Socket connected to the unix socket at `path`. */
export function connectUnix(path) {
  return new Promise((resolve, reject) => {
    const c = net.connect(path);
    c.once('connect', () => resolve(c));
    c.once('error', reject);
  });
}

/**
 * Linux: this process's descriptors that are TCP sockets bound to local
 * `port` (matched by inode through /proc/net/tcp{,6}). Exact where a count
 * of all descriptors would race sockets of earlier tests still closing.
 */
export function socketsOnPort(port) {
  const inodes = new Set();
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of fs.readFileSync(f, 'utf8').split('\n').slice(1)) {
      const col = line.trim().split(/\s+/);
      if (col.length > 9 && parseInt(col[1].split(':')[1], 16) === port) inodes.add(col[9]);
    }
  }
  let n = 0;
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/self/fd/${fd}`));
      if (m && inodes.has(m[1])) n++;
    } catch {
      // closed while we looked (the directory's own descriptor)
    }
  }
  return n;
}

/**
 * Starts a TCP connect and reports when (and whether) the handshake
 * completed. `connected` resolves true on connect, false on error.
 */
export function dial(port, host = '127.0.0.1') {
  const started = performance.now();
  const sock = net.connect({ port, host });
  const c = { sock, done: false, ms: undefined, error: undefined };
  c.connected = new Promise((resolve) => {
    sock.once('connect', () => {
      c.done = true;
      c.ms = performance.now() - started;
      resolve(true);
    });
    sock.once('error', (e) => {
      c.error = e;
      resolve(false);
    });
  });
  return c;
}

/** Whether an executable called name is on PATH (looked up, not run). */
export function onPath(name) {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    try {
      fs.accessSync(path.join(dir, name), fs.constants.X_OK);
      return true;
    } catch {}
  }
  return false;
}

// The Debian package that brings each tool a spec may need.
const debianPackage = { ip: 'iproute2', sysctl: 'procps', strace: 'strace', prlimit: 'util-linux', go: 'golang-go' };

/**
 * Why a spec that needs these tools cannot run here, or undefined: a missing
 * tool is a skip with a reason, never a failure (root in a container often
 * has no iproute2).
 */
export function missingTools(...names) {
  const missing = names.filter((n) => !onPath(n));
  if (missing.length === 0) return undefined;
  const pkgs = [...new Set(missing.map((n) => debianPackage[n] ?? n))].join(' ');
  return `no ${missing.map((n) => `\`${n}\``).join(', ')} on PATH (Debian: apt-get install ${pkgs})`;
}

/**
 * Linux only: compiles spec/fixtures/NAME.c for each name into a fresh
 * temporary directory (prefix `prefix`), for a mocha `before` hook `ctx`;
 * skips, saying why, elsewhere or without gcc. Returns the directory and
 * the binaries' paths by name; remove the directory in `after`.
 */
export function buildCFixtures(ctx, prefix, ...names) {
  if (process.platform !== 'linux') return skip(ctx, 'the C client and /proc are Linux');
  const missing = missingTools('gcc');
  if (missing !== undefined) return skip(ctx, missing);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const bins = {};
  for (const name of names) {
    bins[name] = path.join(dir, name);
    const r = spawnSync('gcc', ['-O2', '-o', bins[name], path.join(repoRoot, 'spec/fixtures', `${name}.c`)], {
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`gcc ${name}.c: ${r.stderr}`);
  }
  return { dir, bins };
}

/**
 * Why inNetns() cannot run here, or undefined: it needs Linux, root, and
 * the ip and sysctl commands.
 */
export function netnsSkipReason() {
  if (process.platform !== 'linux') return `network namespaces are Linux's; this is ${process.platform}`;
  if (process.getuid?.() !== 0) return 'creating a network namespace needs root';
  return missingTools('ip', 'sysctl');
}

/** Resolves with p's value, or rejects after ms with a message naming what. */
/**
 * fn(run) in a network namespace of its own (Linux, root): loopback up,
 * `sysctls` ('key=value') set, `run(cmd, args, options)` is execFileSync
 * inside it. Returns what fn returns; the namespace is deleted after.
 */
export function inNetns(name, sysctls, fn) {
  execFileSync('ip', ['netns', 'add', name]);
  try {
    const run = (cmd, args = [], options = {}) => execFileSync('ip', ['netns', 'exec', name, cmd, ...args], options);
    run('ip', ['link', 'set', 'lo', 'up']);
    for (const kv of sysctls) run('sysctl', ['-q', '-w', kv]);
    return fn(run);
  } finally {
    execFileSync('ip', ['netns', 'del', name]);
  }
}

// The last line of a child's output, as JSON.
export const lastJSON = (out) => JSON.parse(String(out).trim().split('\n').pop());

/** What fn throws; fails if it returns. */
export function thrown(fn) {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

export function within(p, ms, what) {
  let t;
  return Promise.race([
    p,
    new Promise((_, reject) => {
      t = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(t));
}

/** Waits until pred() is true, polling every 10 ms, up to ms. */
export async function until(pred, ms, what) {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Destroys client sockets, ignoring the resets a closed listener causes. */
export function destroyAll(clients) {
  for (const c of clients) {
    c.sock.on('error', () => {});
    c.sock.destroy();
  }
}

/** The fd of an accepted net.Socket (Node's handle; test use only). */
export function fdOf(socket) {
  const fd = socket._handle?.fd;
  if (typeof fd !== 'number' || fd < 0)
    throw new Error('cannot read the descriptor of this net.Socket on this Node version');
  return fd;
}

export function readSomaxconn() {
  return Number(fs.readFileSync('/proc/sys/net/core/somaxconn', 'utf8').trim());
}

/**
 * Runs node with args in the repository root (so 'listenconfig' resolves to
 * this package); resolves { code, signal, stdout, stderr }, killing the
 * child after `timeout` ms (then signal is 'SIGKILL').
 */
export function runNode(args, { timeout = 30_000, env = {}, prefix = [] } = {}) {
  return new Promise((resolve, reject) => {
    const cmd = prefix.length > 0 ? prefix[0] : process.execPath;
    const argv = prefix.length > 0 ? [...prefix.slice(1), process.execPath, ...args] : args;
    const child = spawn(cmd, argv, {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const t = setTimeout(() => child.kill('SIGKILL'), timeout);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(t);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** spec/go: the Go module of the reference programs (its go.mod names the release). */
export const goModule = path.join(repoRoot, 'spec', 'go');

// The reference release: the `go` line of spec/go/go.mod.
const wantGoMinor = () => Number(/^go 1\.(\d+)/m.exec(fs.readFileSync(path.join(goModule, 'go.mod'), 'utf8'))[1]);

/**
 * Module mode in spec/go whatever the user's environment says, and no
 * toolchain download: the Go found is the reference.
 */
export const goEnv = { ...process.env, GO111MODULE: 'on', GOTOOLCHAIN: 'local', GOWORK: 'off', GOFLAGS: '' };

/**
 * The Go that builds spec/go: scripts/install-go.sh's (.cache/go1.N, what
 * .ci/run installs), `go` on PATH, or Debian's /usr/lib/go-1.N; the newest
 * that is at least go.mod's release and has its standard library
 * (GOROOT/src/runtime: Debian's golang-1.N-go without golang-1.N-src runs
 * `go version` but builds nothing). Returns { go, minor } or, when there is
 * none, { why }.
 */
export function findGo() {
  const wantMinor = wantGoMinor();
  const candidates = [];
  const cache = path.join(repoRoot, '.cache');
  const dirs = (d) => {
    try {
      return fs.readdirSync(d);
    } catch {
      return [];
    }
  };
  for (const d of dirs(cache))
    for (const v of dirs(path.join(cache, d, 'usr/lib'))) candidates.push(path.join(cache, d, 'usr/lib', v, 'bin/go'));
  candidates.push('go');
  for (const d of dirs('/usr/lib')) if (/^go-1\.\d+$/.test(d)) candidates.push(path.join('/usr/lib', d, 'bin', 'go'));
  let best;
  const seen = [];
  for (const go of candidates) {
    const v = spawnSync(go, ['version'], { encoding: 'utf8', env: { ...process.env, GOTOOLCHAIN: 'local' } });
    const m = v.status === 0 ? /go1\.(\d+)/.exec(v.stdout) : null;
    if (m === null) continue;
    const goroot = spawnSync(go, ['env', 'GOROOT'], { encoding: 'utf8', env: goEnv }).stdout?.trim();
    if (!goroot || !fs.existsSync(path.join(goroot, 'src', 'runtime'))) {
      seen.push(`go1.${m[1]} (${go}, without its standard library in ${goroot || 'GOROOT'}/src)`);
      continue;
    }
    seen.push(`go1.${m[1]} (${go})`);
    if (Number(m[1]) >= wantMinor && (best === undefined || Number(m[1]) > best.minor))
      best = { go, minor: Number(m[1]) };
  }
  if (best !== undefined) {
    // Without a C compiler Go builds without cgo, and its pure-Go resolver
    // answers service lookups differently (docs/go-compat.md); the package
    // follows the cgo one, Linux's default.
    const cgo = spawnSync(best.go, ['env', 'CGO_ENABLED'], { encoding: 'utf8', env: goEnv });
    if (process.platform === 'linux' && cgo.stdout?.trim() !== '1')
      return {
        why: `go1.${best.minor} (${best.go}) has cgo off (no C compiler?): its resolver is not the one the package follows`,
      };
    return best;
  }
  return {
    why: `no Go 1.${wantMinor} or later with its standard library (found: ${seen.join(', ') || 'none'}); bash scripts/install-go.sh (shipped in this package) installs it into .cache/ (.ci/run does)`,
  };
}

/**
 * findGo()'s Go, or a skip of the calling suite or test (`ctx`, mocha's
 * `this`) that prints why there is none.
 */
export function goOrSkip(ctx) {
  const found = findGo();
  if (found.why !== undefined) skip(ctx, found.why);
  return found.go;
}

/**
 * Runs spec/go/reference.go on `cases` (JSON on its stdin) and returns the
 * results it prints, parsed; skips as goOrSkip() without Go.
 */
export function runGoReference(ctx, cases, timeout = 170000) {
  const out = spawnSync(goOrSkip(ctx), ['run', './reference.go'], {
    cwd: goModule,
    input: JSON.stringify(cases),
    encoding: 'utf8',
    timeout,
    env: goEnv,
  });
  if (out.status !== 0) throw new Error(`go run failed: ${out.stderr}`);
  return JSON.parse(out.stdout);
}

/** Whether this machine can listen on the IPv6 loopback, ::1. */
export function hasIPv6Loopback() {
  return canListenOn('::1');
}

/**
 * Whether this machine makes AF_INET6 sockets at all (a listen on ::). It
 * can without ::1, when IPv6 is disabled on the loopback only.
 */
export function hasIPv6() {
  return canListenOn('::');
}

function canListenOn(host) {
  return new Promise((resolve) => {
    const s = net.createServer().once('error', () => resolve(false));
    s.listen(0, host, () => s.close(() => resolve(true)));
  });
}

/**
 * Why DNS cannot answer the cases that ask it (a host such as `%` or
 * nosuchhost.invalid), or undefined when it can: a name under .invalid
 * must fail with "no such host" (ENOTFOUND) within 5 s. Without a reachable
 * resolver the answer is EAI_AGAIN or nothing, and Go's text names the
 * failure instead ("server misbehaving", "i/o timeout"). Asked once.
 */
let resolverProbe;
export function resolverSkipReason() {
  resolverProbe ??= new Promise((resolve) => {
    const timer = setTimeout(() => resolve('DNS did not answer a .invalid lookup within 5 s'), 5000);
    dns.lookup(`listenconfig-probe-${process.pid}.invalid`, (err) => {
      clearTimeout(timer);
      if (err?.code === 'ENOTFOUND') resolve(undefined);
      else resolve(`DNS is unavailable: a .invalid lookup answered ${err ? err.code : 'an address'}, not ENOTFOUND`);
    });
  });
  return resolverProbe;
}
