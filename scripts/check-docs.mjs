#!/usr/bin/env node
// Runs every JavaScript and TypeScript code block of README.md,
// CONTRIBUTING.md and docs/ (docs/api/ is generated from the TSDoc comments
// and left out), so no example in the documentation can stop working, and
// checks that every relative link leads to a file (and heading) that exists.
//
//   node scripts/check-docs.mjs [FILE.md …]      (npm test runs it: test/docs.test.mjs)
//
// How a block must be written to pass:
//
// - Every fenced block names its language. ```js, ```mjs and ```javascript
//   run as ES modules, ```cjs as CommonJS, ```ts and ```typescript are
//   transpiled (not type-checked) and run as ES modules. Any other language
//   (sh, text, json, c, go…) is not run; a fence with no language fails the
//   check: say `text` for output, `sh` for commands.
// - A block runs as a file of its own in .cache/doc-blocks/, inside this
//   package, so `import … from 'listenconfig'` resolves to this package
//   (its self-reference) and needs a build (dist/). It must exit with
//   status 0 within 15 s, on its own: close what it opens, listen on
//   '127.0.0.1:0' rather than a fixed port (the machine is shared).
// - A server that runs until stopped goes under the line
//       <!-- doc-check: server -->
//   It must print `listening on HOST:PORT` within 10 s; the check then
//   runs `listenconfig burst HOST:PORT -n 500` against it, requires every
//   connect to complete and the server to be still running, and stops it.
// - A block that cannot run here goes under the line
//       <!-- doc-check: skip REASON -->
//   with the reason (it is printed), e.g. a fragment that continues the
//   block above it, or one that needs Windows.
//
// The marker is the last non-blank line before the fence. HTML comments do
// not show on GitHub or npm.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
const RUN_MS = 15_000;
const LISTEN_MS = 10_000;
const BURST_N = 500;

const runnable = {
  js: 'mjs',
  mjs: 'mjs',
  javascript: 'mjs',
  cjs: 'cjs',
  ts: 'ts',
  typescript: 'ts',
};

/** The markdown files checked by default. */
export function docFiles() {
  const out = ['README.md', 'CONTRIBUTING.md'].filter((f) => fs.existsSync(path.join(root, f)));
  const walk = (dir) => {
    for (const e of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (rel !== path.join('docs', 'api')) walk(rel);
      } else if (e.name.endsWith('.md')) out.push(rel);
    }
  };
  if (fs.existsSync(path.join(root, 'docs'))) walk('docs');
  return out;
}

/**
 * The fenced blocks of a markdown text: { line, lang, code, marker, reason }
 * (line is 1-based, the fence's), plus the problems found while reading.
 */
export function blocks(text) {
  const lines = text.split('\n');
  const found = [];
  const problems = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(```+|~~~+)\s*([^\s`]*)/.exec(lines[i]);
    if (!open) continue;
    const fence = open[1];
    const lang = open[2].toLowerCase();
    let j = i + 1;
    while (j < lines.length && !lines[j].startsWith(fence)) j++;
    if (j >= lines.length) problems.push({ line: i + 1, problem: 'a code fence that is never closed' });
    let k = i - 1;
    while (k >= 0 && lines[k].trim() === '') k--;
    const m = k >= 0 ? /^<!--\s*doc-check:\s*(\S+)\s*(.*?)\s*-->\s*$/.exec(lines[k]) : null;
    const block = { line: i + 1, lang, code: lines.slice(i + 1, j).join('\n') + '\n', marker: m?.[1], reason: m?.[2] };
    if (lang === '') problems.push({ line: i + 1, problem: 'a code block without a language (text, sh, js…)' });
    else if (m && !['skip', 'server'].includes(m[1]))
      problems.push({ line: i + 1, problem: `unknown doc-check marker "${m[1]}" (skip REASON, server)` });
    else if (m?.[1] === 'skip' && !m[2]) problems.push({ line: i + 1, problem: 'doc-check: skip without a reason' });
    else if (m && !runnable[lang])
      problems.push({ line: i + 1, problem: `a doc-check marker on a ${lang} block, which is never run` });
    found.push(block);
    i = j;
  }
  return { found, problems };
}

function source(block) {
  const kind = runnable[block.lang];
  if (kind !== 'ts') return { ext: kind, code: block.code };
  const ts = require('typescript');
  const out = ts.transpileModule(block.code, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    reportDiagnostics: true,
  });
  if (out.diagnostics?.length) {
    throw new Error(out.diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')).join('; '));
  }
  return { ext: 'mjs', code: out.outputText };
}

// The error's own line first (a stack says little), then the last lines.
function tail(s) {
  const lines = s.trim().split('\n');
  const error = lines.find((l) => /^\w*(Error|Exception)\b/.test(l));
  const last = lines.filter((l) => !/^\s+at /.test(l) && l !== error).slice(-4);
  return [error, ...last].filter(Boolean).join('\n');
}

/** Runs one block to completion: undefined when it passed, else why not. */
function runOnce(file) {
  const r = spawnSync(process.execPath, [file], { cwd: root, encoding: 'utf8', timeout: RUN_MS });
  if (r.error?.code === 'ETIMEDOUT' || r.signal) return `did not exit within ${RUN_MS / 1000} s`;
  if (r.status !== 0) return `exited with status ${r.status}:\n${tail(r.stderr || r.stdout)}`;
  return undefined;
}

/** Runs a server block, bursts it, stops it: undefined when it passed, else why not. */
async function runServer(file) {
  const child = spawn(process.execPath, [file], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  try {
    const where = await new Promise((resolve) => {
      const t = setTimeout(() => resolve(undefined), LISTEN_MS);
      child.stdout.on('data', (d) => {
        out += d;
        const m = /listening on (\[[^\]]+\]|[^\s:[\]]+):(\d+)/.exec(out);
        if (m) {
          clearTimeout(t);
          resolve({ host: m[1], port: m[2] });
        }
      });
      void exited.then(() => resolve(undefined));
    });
    if (!where) {
      if (child.exitCode !== null) return `exited (status ${child.exitCode}) before listening:\n${tail(err || out)}`;
      return `printed no "listening on HOST:PORT" within ${LISTEN_MS / 1000} s`;
    }
    // A wildcard listener is reached on loopback.
    const host = ['0.0.0.0', '[::]', '::'].includes(where.host) ? '127.0.0.1' : where.host;
    const target = `${host}:${where.port}`;
    const b = spawnSync(
      process.execPath,
      [path.join(root, 'dist', 'cli', 'main.js'), 'burst', target, '-n', String(BURST_N), '--json', '-q'],
      { cwd: root, encoding: 'utf8', timeout: 60_000 },
    );
    let report;
    try {
      report = JSON.parse(b.stdout);
    } catch {
      return `listenconfig burst ${target} failed: ${tail(b.stderr || b.stdout)}`;
    }
    if (report.counts.completed !== BURST_N)
      return `burst ${target}: ${report.counts.completed} of ${BURST_N} connects completed`;
    // Give the server a moment to see the resets the burst ended with.
    await new Promise((r) => setTimeout(r, 300));
    if (child.exitCode !== null || child.signalCode !== null)
      return `did not survive listenconfig burst -n ${BURST_N}:\n${tail(err || out)}`;
    return undefined;
  } finally {
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
    child.kill('SIGKILL');
  }
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
export function slug(heading) {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchors(text) {
  const out = new Set();
  let fence = false;
  for (const l of text.split('\n')) {
    if (/^(```|~~~)/.test(l)) fence = !fence;
    const h = !fence && /^#{1,6}\s+(.*)$/.exec(l);
    if (h) {
      let a = slug(h[1]);
      for (let n = 1; out.has(a); n++) a = `${slug(h[1])}-${n}`;
      out.add(a);
    }
  }
  return out;
}

/** The relative links of a markdown file that lead nowhere: [{ line, target, problem }]. */
export function brokenLinks(file) {
  const text = fs.readFileSync(file, 'utf8');
  const out = [];
  let fence = false;
  text.split('\n').forEach((l, i) => {
    if (/^(```|~~~)/.test(l)) fence = !fence;
    if (fence) return;
    for (const m of l.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1];
      if (/^[a-z]+:/i.test(target)) continue;
      const [rel, anchor] = target.split('#');
      const dest = rel ? path.resolve(path.dirname(file), rel) : file;
      if (!fs.existsSync(dest)) out.push({ line: i + 1, target, problem: 'no such file' });
      else if (anchor && dest.endsWith('.md') && !anchors(fs.readFileSync(dest, 'utf8')).has(anchor))
        out.push({ line: i + 1, target, problem: 'no such heading' });
    }
  });
  return out;
}

/** Checks the files; returns the number of failures. Prints one line per block run or skipped. */
export async function check(files, log = console.log) {
  const dir = path.join(root, '.cache', 'doc-blocks');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  let failed = 0;
  let ran = 0;
  for (const f of files) {
    const abs = path.resolve(root, f);
    const rel = path.relative(root, abs);
    const { found, problems } = blocks(fs.readFileSync(abs, 'utf8'));
    for (const p of problems) {
      log(`FAIL ${rel}:${p.line}: ${p.problem}`);
      failed++;
    }
    for (const b of brokenLinks(abs)) {
      log(`FAIL ${rel}:${b.line}: a link to ${b.target}: ${b.problem}`);
      failed++;
    }
    for (const b of found) {
      if (!runnable[b.lang] || problems.some((p) => p.line === b.line)) continue;
      const at = `${rel}:${b.line}`;
      if (b.marker === 'skip') {
        log(`skip ${at}: ${b.reason}`);
        continue;
      }
      let why;
      const t0 = Date.now();
      try {
        const { ext, code } = source(b);
        const file = path.join(dir, `${rel.replace(/[/\\.]/g, '_')}_${b.line}.${ext}`);
        fs.writeFileSync(file, code);
        why = b.marker === 'server' ? await runServer(file) : runOnce(file);
      } catch (e) {
        why = `could not be prepared: ${e.message}`;
      }
      ran++;
      if (why) {
        failed++;
        log(`FAIL ${at} (${b.lang}${b.marker ? `, ${b.marker}` : ''}): ${why}`);
      } else log(`ok   ${at} (${b.lang}${b.marker ? `, ${b.marker}` : ''}, ${Date.now() - t0} ms)`);
    }
  }
  log(`doc blocks: ${ran} run, ${failed} failed`);
  return failed;
}

if (process.argv[1] && fs.realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const failed = await check(args.length > 0 ? args : docFiles());
  process.exitCode = failed > 0 ? 1 : 0;
}
