// Child processes of the bench: the servers under test (one per run, so
// each has its own CPU and RSS counters) and the load generators. The two
// sides are pinned to different cores when taskset works, so a contender
// gets one core of its own and the load generator the other.
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import * as os from 'node:os';

const tasksetWorks =
  os.cpus().length >= 2 && spawnSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' }).status === 0;

/** The cores given to the server and to the load side, or undefined. */
export const pinning = tasksetWorks ? { server: '1', load: '0' } : undefined;

// With netns, the process runs inside that network namespace (as root:
// bench/lib/netns.mjs); unpinned, on any core (the across-cores scenario).
function pinned(side, cmd, args, netns, unpinned) {
  const [c, a] = pinning && !unpinned ? ['taskset', ['-c', pinning[side], cmd, ...args]] : [cmd, args];
  return netns ? ['ip', ['netns', 'exec', netns, c, ...a]] : [c, a];
}

/**
 * Starts a server speaking the bench protocol (servers/node.mjs): its first
 * stdout line is JSON with the port; `ask(line)` sends a command and
 * resolves with the next JSON line.
 */
export async function startServer(cmd, args, { timeoutMs = 15_000, netns, unpinned } = {}) {
  const [c, a] = pinned('server', cmd, args, netns, unpinned);
  const child = spawn(c, a, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const lines = createInterface({ input: child.stdout });
  const waiting = [];
  const early = [];
  lines.on('line', (l) => {
    const w = waiting.shift();
    if (w) w.resolve(JSON.parse(l));
    else early.push(JSON.parse(l));
  });
  const exited = new Promise((resolve) => child.on('exit', (code, sig) => resolve({ code, sig })));
  exited.then(({ code, sig }) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`${cmd} exited (${code ?? sig}): ${stderr.trim()}`));
  });
  const next = () =>
    new Promise((resolve, reject) => {
      if (early.length) return resolve(early.shift());
      const t = setTimeout(
        () => reject(new Error(`${cmd}: no answer in ${timeoutMs} ms; stderr: ${stderr.trim()}`)),
        timeoutMs,
      );
      waiting.push({
        resolve: (v) => (clearTimeout(t), resolve(v)),
        reject: (e) => (clearTimeout(t), reject(e)),
      });
    });
  const hello = await next();
  return {
    port: hello.port,
    hello,
    ask(line) {
      child.stdin.write(line + '\n');
      return next();
    },
    /** For a process 'exit' handler, which cannot wait. */
    kill() {
      child.kill();
    },
    async stop() {
      child.stdin.end('exit\n');
      const t = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** Runs a command on the load side; resolves with its stdout. */
export function runLoad(cmd, args, { timeoutMs = 120_000, netns, unpinned } = {}) {
  const [c, a] = pinned('load', cmd, args, netns, unpinned);
  return new Promise((resolve, reject) => {
    const child = spawn(c, a, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    // 'close', not 'exit': stdout may still hold the end of the output.
    child.on('close', (code, sig) => {
      clearTimeout(t);
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ${args.join(' ')} failed (${code ?? sig}): ${err.trim()}`));
    });
  });
}

/**
 * Starts a load-side process that prints one JSON line once ready and
 * keeps running until its stdin ends (loadgen idle). Resolves with that
 * line and stop().
 */
export async function startHeld(cmd, args, { timeoutMs = 60_000 } = {}) {
  const [c, a] = pinned('load', cmd, args);
  const child = spawn(c, a, { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const first = await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${cmd}: not ready in ${timeoutMs} ms`)), timeoutMs);
    createInterface({ input: child.stdout }).once('line', (l) => (clearTimeout(t), resolve(JSON.parse(l))));
    exited.then(
      (code) => (clearTimeout(t), reject(new Error(`${cmd} ${args.join(' ')} exited (${code}): ${err.trim()}`))),
    );
  });
  return {
    ready: first,
    async stop() {
      child.stdin.end();
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}
