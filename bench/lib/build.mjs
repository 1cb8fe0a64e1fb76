// Builds the C and Go programs of the bench into bench/.build/ (ignored by
// git). Go is optional: without it the Go contender is skipped, and the
// reason is printed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
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

/** Returns { loadgen, epollServer, relayClient, goServer | undefined, goSkipped, versions }. */
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
  // The relay's client lives with the spec that uses it too (spec/relay.spec.mjs).
  const relaySrc = path.join(repoDir, 'spec', 'fixtures', 'relay_client.c');
  const rr = run('gcc', ['-O2', '-Wall', '-o', out('relay_client'), relaySrc]);
  if (!rr.ok) throw new Error(`bench: cannot build relay_client.c (gcc is required): ${rr.why}`);
  const versions = { gcc: run('gcc', ['-dumpfullversion']).out };
  let goServer;
  let goSkipped;
  const gv = run('go', ['version']);
  if (!gv.ok) {
    goSkipped = `go is not installed (Debian: apt-get install golang-go); the Go contender is skipped`;
  } else {
    versions.go = gv.out.replace(/^go version /, '');
    // GO111MODULE=off: one file, no go.mod; a private cache keeps the
    // user's own GOCACHE out of it.
    const r = run('go', ['build', '-o', out('go_server'), src('server.go')], {
      GO111MODULE: 'off',
      GOCACHE: path.join(buildDir, 'gocache'),
      GOFLAGS: '',
    });
    if (r.ok) goServer = out('go_server');
    else goSkipped = `go build failed: ${r.why}`;
  }
  for (const f of ['dist/index.js', 'dist/index.mjs']) {
    if (!existsSync(path.join(repoDir, f))) throw new Error(`bench: ${f} is missing; run \`npm run build\` first`);
  }
  return {
    loadgen: out('loadgen'),
    epollServer: out('epoll_server'),
    relayClient: out('relay_client'),
    goServer,
    goSkipped,
    versions,
  };
}
