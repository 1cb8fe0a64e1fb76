// Builds the C and Go programs of the bench into bench/.build/ (ignored by
// git). Go is optional: without it the Go contender is skipped, and the
// reason is printed.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const benchDir = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const buildDir = path.join(benchDir, '.build');
export const repoDir = path.dirname(benchDir);

function run(cmd, args, env) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, ...env } });
  if (r.error) return { ok: false, why: `${cmd}: ${r.error.code === 'ENOENT' ? 'not installed' : r.error.message}` };
  if (r.status !== 0) return { ok: false, why: `${cmd} ${args.join(' ')}: ${(r.stderr || r.stdout).trim()}` };
  return { ok: true, out: r.stdout.trim() };
}

// The newest Go in .cache/ (scripts/install-go.sh), else `go` on PATH.
function findGo() {
  const cache = path.join(repoDir, '.cache');
  const found = [];
  const list = (d) => (existsSync(d) ? readdirSync(d) : []);
  for (const d of list(cache))
    for (const v of list(path.join(cache, d, 'usr/lib')))
      if (/^go-1\.\d+$/.test(v)) found.push([Number(v.slice(5)), path.join(cache, d, 'usr/lib', v, 'bin/go')]);
  found.sort((a, b) => b[0] - a[0]);
  return found[0]?.[1] ?? 'go';
}

/** Returns { loadgen, epollServer, goServer | undefined, goSkipped, versions }. */
export function build() {
  mkdirSync(buildDir, { recursive: true });
  const out = (name) => path.join(buildDir, name);
  const src = (name) => path.join(benchDir, 'src', name);
  for (const [name, file] of [
    ['loadgen', 'loadgen.c'],
    ['epoll_server', 'epoll_server.c'],
  ]) {
    const r = run('gcc', ['-O2', '-Wall', '-o', out(name), src(file)]);
    if (!r.ok) throw new Error(`bench: cannot build ${file} (gcc is required): ${r.why}`);
  }
  const versions = { gcc: run('gcc', ['-dumpfullversion']).out };
  let goServer;
  let goSkipped;
  const go = findGo();
  const gv = run(go, ['version']);
  if (!gv.ok) {
    goSkipped = `go is not installed (bash scripts/install-go.sh puts Go 1.27 in .cache/); the Go contender is skipped`;
  } else {
    versions.go = gv.out.replace(/^go version /, '');
    // Built as a user builds it: in a module whose go.mod names this Go's
    // release, so its GODEBUG defaults are that release's (Go 1.24+: MPTCP
    // listeners, as the package's default). A private cache keeps the
    // user's own GOCACHE out of it.
    const minor = /go1\.(\d+)/.exec(gv.out)?.[1] ?? '0';
    const mod = out('gomod');
    mkdirSync(mod, { recursive: true });
    writeFileSync(path.join(mod, 'go.mod'), `module benchserver\n\ngo 1.${minor}\n`);
    copyFileSync(src('server.go'), path.join(mod, 'server.go'));
    const r = spawnSync(go, ['build', '-o', out('go_server'), '.'], {
      cwd: mod,
      encoding: 'utf8',
      env: {
        ...process.env,
        GO111MODULE: 'on',
        GOTOOLCHAIN: 'local',
        GOWORK: 'off',
        GOCACHE: path.join(buildDir, 'gocache'),
        GOFLAGS: '',
      },
    });
    if (r.status === 0) goServer = out('go_server');
    else goSkipped = `go build failed: ${(r.stderr || r.stdout || String(r.error)).trim()}`;
  }
  for (const f of ['dist/index.js', 'dist/index.mjs']) {
    if (!existsSync(path.join(repoDir, f))) throw new Error(`bench: ${f} is missing; run \`npm run build\` first`);
  }
  return { loadgen: out('loadgen'), epollServer: out('epoll_server'), goServer, goSkipped, versions };
}
